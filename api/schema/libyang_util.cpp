#include "api/schema/libyang_util.hpp"

#include <mutex>
#include <string_view>

#include "base/log.hpp"

namespace pcn::schema::detail {
namespace {

// libyang's locations: "Line number 12." while parsing, "Schema location \"/m:a\"." or a bare
// path while compiling and validating.
std::string location_of(std::string_view path) {
  if (path.ends_with('.')) path.remove_suffix(1);
  constexpr std::string_view line = "Line number ";
  if (path.starts_with(line)) return "line " + std::string(path.substr(line.size()));
  constexpr std::string_view schema = "Schema location ";
  if (path.starts_with(schema)) path.remove_prefix(schema.size());
  if (path.size() >= 2 && path.front() == '"' && path.back() == '"') path = path.substr(1, path.size() - 2);
  return "at " + std::string(path);
}

void forward(LY_LOG_LEVEL level, const char* msg, const char* path) {
  if (level == LY_LLERR || level == LY_LLWRN)
    log::debug("libyang: {}{}{}", msg ? msg : "", path ? " at " : "", path ? path : "");
}

}  // namespace

void route_libyang_messages() {
  static std::once_flag once;
  std::call_once(once, [] {
    ly_set_log_clb(forward, 1);
    ly_log_options(LY_LOLOG | LY_LOSTORE);
  });
}

std::string take_error(const ly_ctx* ctx, bool with_location) {
  const ly_err_item* first = ly_err_first(ctx);
  std::string text = first && first->msg ? first->msg : "unknown libyang error";
  if (text.ends_with('.')) text.pop_back();
  if (with_location && first && first->path) text += " (" + location_of(first->path) + ")";
  ly_err_clean(const_cast<ly_ctx*>(ctx), nullptr);
  return text;
}

}  // namespace pcn::schema::detail
