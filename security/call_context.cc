#include "security/call_context.h"

namespace paritrana {
namespace {

thread_local CallContext* current_call = nullptr;

}  // namespace

CallScope::CallScope(CallContext* call) : previous_(current_call) { current_call = call; }

CallScope::~CallScope() { current_call = previous_; }

CallContext* CallScope::Current() { return current_call; }

absl::Status CheckCallerRegion(absl::string_view region) {
  const CallContext* call = current_call;
  return call == nullptr ? absl::OkStatus() : call->caller.CheckRegion(region);
}

}  // namespace paritrana
