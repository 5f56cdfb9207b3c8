#pragma once
// libyang glue shared by the files of this folder; other layers do not include it.
#include <libyang/libyang.h>

#include <string>

namespace pcn::schema::detail {

// Sends libyang's messages to the project's logger at DEBUG (the errors that matter reach the
// client or the caller through take_error) and has libyang store every error for take_error.
// Process-wide, done once: libyang's per-thread options cannot be relied on, since its union
// type plugin resets them while validating.
void route_libyang_messages();

// The first message libyang stored for this thread in `ctx`, with where it happened when
// libyang says ("line 12", or a schema path) if `with_location`; then forgets them all.
std::string take_error(const ly_ctx* ctx, bool with_location);

}  // namespace pcn::schema::detail
