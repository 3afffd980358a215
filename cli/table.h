// Aligned text tables for the CLI's listings.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::cli {

// Display width of a UTF-8 string: its code points.
size_t DisplayWidth(std::string_view text);

// Writes `rows` (the first is the header) with each column padded to its widest cell (counted
// in UTF-8 characters), two spaces between columns, no trailing spaces.
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

}  // namespace vigie::cli
