// Aligned text tables for the CLI's listings.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace vigie::cli {

// Writes `rows` (the first is the header) with each column padded to its widest cell (counted
// in UTF-8 characters), two spaces between columns, no trailing spaces.
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

}  // namespace vigie::cli
