#include "api/schema/value.hpp"

#include <charconv>
#include <cstdint>

#include "api/schema/libyang_util.hpp"

namespace pcn::schema {
namespace {

bool is_integer(LY_DATA_TYPE t) {
  switch (t) {
    case LY_TYPE_INT8: case LY_TYPE_INT16: case LY_TYPE_INT32: case LY_TYPE_INT64:
    case LY_TYPE_UINT8: case LY_TYPE_UINT16: case LY_TYPE_UINT32: case LY_TYPE_UINT64:
      return true;
    default:
      return false;
  }
}

// Integers become int64 when they fit and uint64 otherwise, as Boost.JSON's parser does, so
// that values compare equal whichever way they arrived.
boost::json::value integer_value(std::string_view canonical) {
  const char* end = canonical.data() + canonical.size();
  if (int64_t i; std::from_chars(canonical.data(), end, i).ec == std::errc{}) return i;
  uint64_t u = 0;
  std::from_chars(canonical.data(), end, u);
  return u;
}

boost::json::value normalise(LY_DATA_TYPE type, std::string_view text, std::string_view canonical) {
  if (is_integer(type)) return integer_value(canonical);
  switch (type) {
    case LY_TYPE_DEC64: {
      double d = 0;
      std::from_chars(canonical.data(), canonical.data() + canonical.size(), d);
      return d;
    }
    case LY_TYPE_BOOL:
      return canonical == "true";
    case LY_TYPE_EMPTY:
      return nullptr;
    default:
      // The text as given, not libyang's canonical form: that rewrites some values (an
      // ipv4-prefix loses its host bits), and a client reads back what it wrote.
      return boost::json::string(text);
  }
}

std::string enum_list(const leaf_type& type) {
  std::string out;
  for (const auto& e : type.enums) out += (out.empty() ? "" : ", ") + e;
  return out;
}

// Whether a value of this type is normalised from libyang's canonical form: numbers and
// booleans are. Asking for it otherwise would cost a trip through libyang's dictionary, which
// every thread shares behind a lock.
bool wants_canonical(const leaf_type& type) {
  if (!type.members.empty()) return true;
  return type.base == "boolean" || type.base == "decimal64" || type.base.starts_with("int") ||
         type.base.starts_with("uint");
}

}  // namespace

checked_value check_leaf_value(const node& leaf, std::string_view text) {
  // No YANG value holds U+0000 (its lexical forms are XML characters, RFC 7950 9.4), and
  // libyang must not see one: its dictionary stores a value under the length it was given
  // and releases it under strlen(), so "DROP\0" would release the model's own "DROP" and
  // free it while the compiled schema still points to it.
  if (text.find('\0') != std::string_view::npos)
    return {.ok = false, .value = nullptr, .error = "a value may not hold a NUL character (U+0000)"};
  const ly_ctx* ctx = leaf.sys->module->ctx;
  const lysc_type* real = nullptr;
  const char* canonical = nullptr;
  LY_ERR err = lyd_value_validate(ctx, leaf.sys, text.data(), text.size(), nullptr, &real,
                                  wants_canonical(*leaf.type) ? &canonical : nullptr);
  checked_value out;
  // LY_EINCOMPLETE: the type accepts the value, only a data tree could say more (leafref).
  if (err == LY_SUCCESS || err == LY_EINCOMPLETE) {
    out.ok = true;
    out.value = normalise(real->basetype, text, canonical ? canonical : text);
    if (canonical) lydict_remove(const_cast<ly_ctx*>(ctx), canonical);
    ly_err_clean(const_cast<ly_ctx*>(ctx), nullptr);
    return out;
  }
  out.error = detail::take_error(ctx, false);
  if (leaf.type && leaf.type->base == "enumeration") out.error += " (allowed: " + enum_list(*leaf.type) + ")";
  return out;
}

std::optional<std::string> scalar_text(const boost::json::value& v) {
  char buf[32];
  switch (v.kind()) {
    case boost::json::kind::string:
      return std::string(v.get_string());
    case boost::json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case boost::json::kind::int64:
      return std::string(buf, std::to_chars(buf, buf + sizeof buf, v.get_int64()).ptr);
    case boost::json::kind::uint64:
      return std::string(buf, std::to_chars(buf, buf + sizeof buf, v.get_uint64()).ptr);
    case boost::json::kind::double_:
      // Shortest round-trip form: 1.5 stays "1.5" for decimal64, 5.0 becomes "5" for integers.
      return std::string(buf, std::to_chars(buf, buf + sizeof buf, v.get_double()).ptr);
    default:
      return std::nullopt;
  }
}

}  // namespace pcn::schema
