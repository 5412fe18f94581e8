#pragma once

#include <string>
#include <utility>

#include "security/caller.h"

// The call being served on this thread. Code below the gRPC adapters that must know who calls
// (the audit trail written in a write's own transaction, the region scope of writes) reads it
// here, instead of every rules method taking a Caller it would only pass on. ServeUnary
// (security/serve_unary.h) and the import stream set it for exactly the span of the handler; code
// run with no call (start-up, tests of the rules) sees none and acts as the system itself.
namespace paritrana {

struct CallContext {
  Caller caller;
  std::string method;      // "paritrana.registry.v1.RegistryService/CreateParticipant"
  std::string request_id;  // x-request-id (platform/rpc_observer.h)
  // The resource the call acts on, for the audit trail: set by the rules as soon as they know it
  // (a create learns its name only once it has one).
  std::string resource;
};

class CallScope final {
 public:
  // Makes `*call` the current call of this thread until destroyed; scopes nest.
  explicit CallScope(CallContext* call);
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

  // The current call of this thread, or null outside any call.
  static CallContext* Current();

 private:
  CallContext* const previous_;
};

// OK outside a call, or when the current caller's scope covers `region` (Caller::CheckRegion).
absl::Status CheckCallerRegion(absl::string_view region);

}  // namespace paritrana
