#include "api/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace pcn::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string& route_params::operator[](std::string_view name) const {
  for (const auto& [key, value] : named)
    if (key == name) return value;
  throw std::out_of_range("route has no parameter '" + std::string(name) + "'");
}

std::optional<std::string> percent_decoded(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t k = 0; k < text.size(); ++k) {
    if (text[k] == '+' && plus_is_space) {
      decoded += ' ';
      continue;
    }
    if (text[k] != '%') {
      decoded += text[k];
      continue;
    }
    int hi = k + 1 < text.size() ? hex_value(text[k + 1]) : -1;
    int lo = k + 2 < text.size() ? hex_value(text[k + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    decoded += static_cast<char>(hi * 16 + lo);
    k += 2;
  }
  return decoded;
}

bool split_path(std::string_view path, std::vector<std::string>& segments) {
  segments.clear();
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    if (i == path.size()) break;
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::optional<std::string> decoded = percent_decoded(path.substr(i, end - i), false);
    if (!decoded) return false;
    segments.push_back(std::move(*decoded));
    i = end;
  }
  return true;
}

void router::add(http::verb method, std::string_view pattern, handler h) {
  route r{method, std::string(pattern), {}, std::move(h)};
  std::vector<std::string> parts;
  if (!split_path(pattern, parts)) throw std::invalid_argument("route pattern '" + r.pattern + "': bad escape");
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      bool rest = p[1] == '*';
      if (rest && i + 1 != parts.size())
        throw std::invalid_argument("route pattern '" + r.pattern + "': a catch-all must be the last segment");
      r.segments.push_back({rest ? segment::kind::rest : segment::kind::parameter, p.substr(rest ? 2 : 1, p.size() - (rest ? 3 : 2))});
    } else {
      r.segments.push_back({segment::kind::literal, p});
    }
  }
  // Patterns that differ only in spelling (a trailing slash, a parameter's name) match the
  // same paths: the later one could never run.
  auto same_shape = [](const std::vector<segment>& a, const std::vector<segment>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const segment& x, const segment& y) {
      return x.type == y.type && (x.type != segment::kind::literal || x.text == y.text);
    });
  };
  for (const auto& existing : _routes)
    if (existing.method == method && same_shape(existing.segments, r.segments))
      throw std::invalid_argument("route " + std::string(http::to_string(method)) + " " + r.pattern +
                                  " is already defined (as " + existing.pattern + ")");
  bool all_literal = std::all_of(r.segments.begin(), r.segments.end(), [](const segment& seg) { return seg.type == segment::kind::literal; });
  if (all_literal) {
    std::string canonical;
    for (const auto& seg : r.segments) canonical += "/" + seg.text;
    if (canonical.empty()) canonical = "/";
    // Only paths that plain_path() can produce are indexed (a literal with '%' or '/' in it
    // after decoding is matched the general way).
    if (plain_path(canonical) == std::string_view(canonical)) _literal_routes[canonical].push_back(_routes.size());
  }
  _routes.push_back(std::move(r));
}

int router::match(const route& r, const std::vector<std::string>& path, route_params* params) {
  // Two points per literal segment, one for having no catch-all: among routes with as many
  // literals, a parameter is more specific than a catch-all.
  int score = r.segments.empty() || r.segments.back().type != segment::kind::rest ? 1 : 0;
  size_t i = 0;
  for (; i < r.segments.size(); ++i) {
    const segment& s = r.segments[i];
    if (s.type == segment::kind::rest) {
      if (params) params->rest.assign(path.begin() + static_cast<long>(std::min(i, path.size())), path.end());
      return score;
    }
    if (i >= path.size()) return -1;
    if (s.type == segment::kind::literal) {
      if (s.text != path[i]) return -1;
      score += 2;
    } else if (params) {
      params->named.emplace_back(s.text, path[i]);
    }
  }
  return i == path.size() ? score : -1;
}

std::optional<std::string_view> router::plain_path(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path.find('%') != std::string_view::npos || path.find("//") != std::string_view::npos) return std::nullopt;
  return path;
}

task<response> router::dispatch(const request& req, stream_producer* stream) const {
  std::string_view target = req.target();
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (auto plain = plain_path(path)) {
    if (auto it = _literal_routes.find(std::string(*plain)); it != _literal_routes.end())
      for (size_t index : it->second)
        if (_routes[index].method == req.method()) {
          route_params params;
          params.stream = stream;
          if (q != std::string_view::npos) params.query = target.substr(q + 1);
          co_return co_await _routes[index].run(req, params);
        }
  }
  std::vector<std::string> segments;
  if (!split_path(path, segments)) co_return error_response(http::status::bad_request, "malformed percent-escape in path " + std::string(path));

  const route* best = nullptr;
  int best_score = -1;
  std::string allowed;
  for (const auto& r : _routes) {
    int score = match(r, segments, nullptr);
    if (score < 0) continue;
    if (r.method == req.method()) {
      if (score > best_score) best = &r, best_score = score;
    } else if (allowed.find(http::to_string(r.method)) == std::string::npos) {
      allowed += (allowed.empty() ? "" : ", ") + std::string(http::to_string(r.method));
    }
  }
  if (!best) {
    if (allowed.empty()) co_return error_response(http::status::not_found, "no resource at " + std::string(path));
    response res = error_response(http::status::method_not_allowed,
                                  std::string(req.method_string()) + " is not allowed on " + std::string(path));
    res.set(http::field::allow, allowed);
    co_return res;
  }
  route_params params;
  params.stream = stream;
  match(*best, segments, &params);
  if (q != std::string_view::npos) params.query = target.substr(q + 1);
  co_return co_await best->run(req, params);
}

}  // namespace pcn::api
