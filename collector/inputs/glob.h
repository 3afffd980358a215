// Path patterns of the file input: each '/'-separated component is a shell glob (* ? [...],
// see fnmatch(3)), and a component "**" matches any number of directories, none included.
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigie::collector {

// True when `path` matches `pattern`, component by component.
bool GlobMatch(std::string_view pattern, std::string_view path);

// The regular files (symlinks to files included) that match `pattern`, sorted. Under "**",
// symlinked directories are not followed (no loops), and the walk stops 32 levels down.
std::vector<std::string> GlobExpand(const std::string& pattern);

// True when `path` matches one of `excludes`: a pattern without '/' is matched against the
// file name ("*.gz"), one with '/' against the whole path.
bool Excluded(const std::vector<std::string>& excludes, std::string_view path);

}  // namespace vigie::collector
