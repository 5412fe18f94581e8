#include "cli/connection.h"

#include <cstdio>
#include <cstdlib>

#include "grpcpp/create_channel.h"

namespace paritrana::cli {

absl::Status Connection::LoadCredentials() {
  auto credentials = ChannelCredentials(tls);
  if (!credentials.ok()) return credentials.status();
  credentials_ = *std::move(credentials);
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> Connection::Channel(const std::string& target) const {
  std::shared_ptr<grpc::ChannelCredentials> creds = credentials_;
  if (creds == nullptr) {
    auto loaded = ChannelCredentials(tls);
    if (!loaded.ok()) {
      std::fprintf(stderr, "paritrana: %s\n", std::string(loaded.status().message()).c_str());
      std::exit(2);
    }
    creds = *std::move(loaded);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  return grpc::CreateCustomChannel(target, creds, args);
}

std::unique_ptr<grpc::ClientContext> Connection::Context(bool streaming) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!streaming) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_seconds));
  }
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

}  // namespace paritrana::cli
