#include "cli/connection.h"

#include <fstream>
#include <sstream>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace paritrana::cli {

std::shared_ptr<grpc::Channel> Connection::Channel(const std::string& target) const {
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (plaintext) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    if (!tls_ca.empty()) {
      std::ifstream in(tls_ca);
      std::stringstream pem;
      pem << in.rdbuf();
      ssl.pem_root_certs = pem.str();
    }
    creds = grpc::SslCredentials(ssl);
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
