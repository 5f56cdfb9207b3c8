#pragma once
// The two ways things fail here. A model_error is a YANG model the framework cannot use (a
// service failing to load). A request_error is what a request got wrong, for a 4xx answer:
// each problem names where (a data path relative to the cube, "ports/port1/peer", empty for
// the cube itself) and why; what() joins them.
#include <stdexcept>
#include <string>
#include <vector>

namespace pcn::schema {

class model_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct problem {
  std::string path;
  std::string reason;

  std::string text() const;  // "path: reason", or the reason alone for the cube itself
};

class request_error : public std::runtime_error {
 public:
  // `status` is the HTTP status to answer with: 400, 404, 405 or 413.
  request_error(unsigned status, std::vector<problem> problems);
  request_error(unsigned status, std::string path, std::string reason);

  unsigned status() const noexcept { return _status; }
  const std::vector<problem>& problems() const noexcept { return _problems; }

 private:
  unsigned _status;
  std::vector<problem> _problems;
};

}  // namespace pcn::schema
