#include "collector/inputs/glob.h"

#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include <set>

namespace vigie::collector {

namespace {

constexpr int kMaxDepth = 32;

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool HasWildcard(const std::string& component) {
  return component.find_first_of("*?[") != std::string::npos;
}

bool MatchParts(const std::vector<std::string>& pattern, size_t pi,
                const std::vector<std::string>& path, size_t si) {
  if (pi == pattern.size()) return si == path.size();
  if (pattern[pi] == "**") {
    for (size_t k = si; k <= path.size(); ++k) {
      if (MatchParts(pattern, pi + 1, path, k)) return true;
    }
    return false;
  }
  return si < path.size() && fnmatch(pattern[pi].c_str(), path[si].c_str(), 0) == 0 &&
         MatchParts(pattern, pi + 1, path, si + 1);
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir == "/" ? dir + name : dir + "/" + name;
}

class Walker {
 public:
  explicit Walker(std::vector<std::string> parts) : parts_(std::move(parts)) {}

  void Walk(const std::string& dir, size_t pi, int depth) {
    if (pi == parts_.size() || depth > kMaxDepth) return;
    const std::string& part = parts_[pi];
    bool last = pi + 1 == parts_.size();
    if (part == "**") {
      Walk(dir, pi + 1, depth);
      ForEachEntry(dir, [&](const std::string& path, const struct stat& st, bool symlink) {
        if (S_ISDIR(st.st_mode) && !symlink) Walk(path, pi, depth + 1);
      });
      return;
    }
    if (!HasWildcard(part)) {
      Visit(Join(dir, part), pi, last, depth);
      return;
    }
    ForEachEntry(dir, [&](const std::string& path, const struct stat&, bool) {
      std::string_view name = std::string_view(path).substr(path.rfind('/') + 1);
      if (fnmatch(part.c_str(), std::string(name).c_str(), 0) == 0) Visit(path, pi, last, depth);
    });
  }

  std::set<std::string> found;

 private:
  void Visit(const std::string& path, size_t pi, bool last, int depth) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return;
    if (last && S_ISREG(st.st_mode)) found.insert(path);
    if (!last && S_ISDIR(st.st_mode)) Walk(path, pi + 1, depth + 1);
  }

  template <typename Fn>
  void ForEachEntry(const std::string& dir, Fn fn) {
    DIR* d = opendir(dir.empty() ? "." : dir.c_str());
    if (!d) return;
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = Join(dir, name);
      struct stat lst, st;
      if (lstat(path.c_str(), &lst) != 0) continue;
      bool symlink = S_ISLNK(lst.st_mode);
      if (symlink && stat(path.c_str(), &st) != 0) continue;
      fn(path, symlink ? st : lst, symlink);
    }
    closedir(d);
  }

  std::vector<std::string> parts_;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view path) {
  return MatchParts(Split(pattern), 0, Split(path), 0);
}

std::vector<std::string> GlobExpand(const std::string& pattern) {
  Walker walker(Split(pattern));
  walker.Walk(pattern.starts_with('/') ? "/" : "", 0, 0);
  return {walker.found.begin(), walker.found.end()};
}

bool Excluded(const std::vector<std::string>& excludes, std::string_view path) {
  std::string name(path.substr(path.rfind('/') + 1));
  for (const std::string& pattern : excludes) {
    bool whole_path = pattern.find('/') != std::string::npos;
    if (whole_path ? GlobMatch(pattern, path) : fnmatch(pattern.c_str(), name.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace vigie::collector
