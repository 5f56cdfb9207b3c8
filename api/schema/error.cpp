#include "api/schema/error.hpp"

#include <utility>

namespace pcn::schema {
namespace {

// what() is a C string: a NUL from the request (a %00 in a key) is spelled "\0" there, or
// the message would end at it.
std::string join(const std::vector<problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += "; ";
    for (char c : p.text()) {
      if (c == '\0') out += "\\0";
      else out += c;
    }
  }
  return out;
}

}  // namespace

std::string problem::text() const { return path.empty() ? reason : path + ": " + reason; }

request_error::request_error(unsigned status, std::vector<problem> problems)
    : std::runtime_error(join(problems)), _status(status), _problems(std::move(problems)) {}

request_error::request_error(unsigned status, std::string path, std::string reason)
    : request_error(status, std::vector<problem>{{std::move(path), std::move(reason)}}) {}

}  // namespace pcn::schema
