#include "collector/inputs/syslog_input.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "collector/durable_file.h"
#include "common/strings.h"

namespace vigie::collector {

SyslogInput::SyslogInput(SyslogSource source, EntrySink* sink, Metrics* metrics)
    : source_(std::move(source)),
      entries_(source_.labels, source_.default_host, sink,
               metrics->ForInput(source_.name, "syslog")) {}

absl::StatusOr<std::unique_ptr<SyslogInput>> SyslogInput::Create(SyslogSource source,
                                                                 EntrySink* sink,
                                                                 Metrics* metrics) {
  std::unique_ptr<SyslogInput> input(new SyslogInput(std::move(source), sink, metrics));
  for (const std::string& text : input->source_.listen) {
    absl::StatusOr<ListenAddress> address = ParseListenAddress(text);
    if (!address.ok()) return address.status();
    if (address->scheme == "udp") {
      absl::StatusOr<std::unique_ptr<SyslogUdp>> udp =
          SyslogUdp::Bind(*address, input->source_.max_message_bytes);
      if (!udp.ok()) return udp.status();
      input->udp_.push_back(*std::move(udp));
    } else if (address->scheme == "tcp") {
      absl::StatusOr<std::unique_ptr<SyslogTcp>> tcp = SyslogTcp::Bind(
          *address, input->source_.max_message_bytes, input->source_.max_connections);
      if (!tcp.ok()) return tcp.status();
      input->tcp_.push_back(*std::move(tcp));
    } else {
      return absl::InvalidArgumentError(
          StrCat("syslog listen \"", text, "\": expected udp://host:port or tcp://host:port"));
    }
  }
  input->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (input->wake_fd_ < 0) return ErrnoStatus("eventfd", errno);
  return input;
}

SyslogInput::~SyslogInput() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::vector<std::string> SyslogInput::bound() const {
  std::vector<std::string> out;
  for (const auto& udp : udp_) out.push_back(udp->bound());
  for (const auto& tcp : tcp_) out.push_back(tcp->bound());
  return out;
}

void SyslogInput::Start() {
  for (const std::string& address : bound()) spdlog::info("syslog: listening on {}", address);
  thread_ = std::thread([this] { Run(); });
}

void SyslogInput::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) < 0) spdlog::error("syslog: cannot wake the poll loop");
  thread_.join();
}

void SyslogInput::Run() {
  std::vector<pollfd> fds;
  std::vector<SyslogTcp*> owners;  // Parallel to fds: the TCP listener a descriptor is of.
  while (true) {
    // Rebuilt each round: connections come and go.
    fds.assign(1, {wake_fd_, POLLIN, 0});
    for (const auto& udp : udp_) fds.push_back({udp->fd(), POLLIN, 0});
    owners.assign(fds.size(), nullptr);
    for (const auto& tcp : tcp_) {
      tcp->AddPollFds(&fds);
      owners.resize(fds.size(), tcp.get());
    }
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      spdlog::error("syslog: poll failed: {}", std::strerror(errno));
      return;
    }
    if (fds[0].revents) return;
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      if (i <= udp_.size()) {
        udp_[i - 1]->ReadAll(&entries_);
      } else {
        owners[i]->OnReadable(fds[i].fd, &entries_);
      }
    }
  }
}

}  // namespace vigie::collector
