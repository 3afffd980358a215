// Nothing acknowledged is lost, nothing is stored twice, for series: two senders write
// 2,000,000 samples, one over Prometheus remote_write (acknowledged by 204), one over gRPC Push
// (acknowledged by PushAck), while vigied is killed with SIGKILL at random moments and restarted.
// After each restart the samples acknowledged last before the kill must be readable (the open
// chunks were rebuilt from the WAL); at the end every series holds each of its samples once.
// The moments are drawn from a seed that every run prints: VIGIE_CRASH_SEED=<seed> replays them.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tests/http/http_client.h"
#include "tests/http/remote_write_client.h"
#include "tests/integration/crash_seed.h"
#include "tests/integration/harness.h"
#include "vigie/v1/ingest.grpc.pb.h"

namespace vigie::testing {
namespace {

constexpr int kSeries = 100;            // Per sender.
constexpr int kSamplesPerRequest = 10;  // Per series: a request holds 1,000 samples.
constexpr int kRequests = 1000;         // Per sender: 1,000,000 samples each, 2,000,000 in all.
constexpr int64_t kStepMs = 25;         // Between two samples of a series: 250 s in all.
constexpr int kKills = 5;

// The value of sample i of series s: small integers, so that sums are exact.
double ValueOf(int s, int i) { return (s * 7 + i) % 1000; }

// The samples of request `r`: samples r*10 .. r*10+9 of every series.
int64_t TimeOf(int64_t base_ms, int i) { return base_ms + i * kStepMs; }

// Sends requests 0..kRequests-1 in order, each until it is acknowledged; `acked` is the number
// acknowledged so far. A request refused as invalid (not retryable) stops the sender with
// `error` set. A sender keeps at most kMaxLead requests ahead of its peer, so that every kill
// interrupts both (remote_write is faster than Push: alone it would finish first).
constexpr int kMaxLead = 20;

class Sender {
 public:
  Sender(std::string name, int64_t base_ms) : name_(std::move(name)), base_ms_(base_ms) {}
  virtual ~Sender() = default;

  void Run(std::chrono::steady_clock::time_point deadline, const Sender& peer) {
    struct Stopped {
      std::atomic<bool>& flag;
      ~Stopped() { flag.store(true); }
    } stopped{stopped_};
    for (int r = 0; r < kRequests; ++r) {
      while (r - peer.acked.load() > kMaxLead && !peer.stopped_.load() &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      while (!Send(r)) {
        if (!error.empty()) return;
        if (std::chrono::steady_clock::now() > deadline) {
          SetError("request " + std::to_string(r) + " still not acknowledged at the deadline");
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      acked.store(r + 1);
    }
  }

  const std::string& name() const { return name_; }
  int64_t base_ms() const { return base_ms_; }
  std::atomic<int> acked{0};
  std::string error;  // Set by the sender's thread only; read after it has stopped.

 protected:
  // Sends request r once; true once it is acknowledged.
  virtual bool Send(int r) = 0;
  void SetError(std::string e) { error = name_ + ": " + e; }

  // Adds the series of request r, with their labels and samples, to a request of either wire:
  // `add_series()` appends a series message (prometheus.TimeSeries or vigie.v1.Series) and
  // returns it, `add_sample(series, t, v)` appends one sample to it.
  template <typename AddSeries, typename AddSample>
  void FillRequest(int r, AddSeries add_series, AddSample add_sample) const {
    for (int s = 0; s < kSeries; ++s) {
      auto* series = add_series();
      auto* name = series->add_labels();
      name->set_name("__name__");
      name->set_value(name_);
      auto* label = series->add_labels();
      label->set_name("s");
      label->set_value(std::to_string(s));
      for (int i = r * kSamplesPerRequest; i < (r + 1) * kSamplesPerRequest; ++i)
        add_sample(series, TimeOf(base_ms_, i), ValueOf(s, i));
    }
  }

 private:
  std::string name_;
  int64_t base_ms_;
  std::atomic<bool> stopped_{false};  // Run has returned, finished or not.
};

class RemoteWriteSender : public Sender {
 public:
  RemoteWriteSender(const std::string& address, int64_t base_ms)
      : Sender("crash_rw", base_ms), address_(address) {}

 private:
  bool Send(int r) override {
    prometheus::WriteRequest request;
    FillRequest(
        r, [&] { return request.add_timeseries(); },
        [](prometheus::TimeSeries* series, int64_t t, double v) {
          auto* sample = series->add_samples();
          sample->set_timestamp(t);
          sample->set_value(v);
        });
    if (!connection_ || !connection_->connected())
      connection_ = std::make_unique<HttpConnection>(address_);
    HttpReply reply =
        connection_->Request("POST", "/api/v1/write", Snappy(request.SerializeAsString()),
                             RemoteWriteHeaders(), std::chrono::seconds(10));
    if (reply.status == 204) return true;
    connection_.reset();  // After any failure, a fresh connection.
    // The spec: 5xx and 429 may be retried; any other answer is final.
    if (reply.status != 0 && reply.status != 429 && reply.status < 500)
      SetError("request " + std::to_string(r) + ": HTTP " + std::to_string(reply.status) + " " +
               reply.body);
    return false;
  }

  std::string address_;
  std::unique_ptr<HttpConnection> connection_;
};

class PushSender : public Sender {
 public:
  PushSender(const std::string& address, int64_t base_ms)
      : Sender("crash_push", base_ms), address_(address) {}
  ~PushSender() override { EndStream(); }

 private:
  bool Send(int r) override {
    v1::PushRequest request;
    request.set_agent_id("metrics-crash-test");
    request.set_seq(r + 1);
    FillRequest(
        r, [&] { return request.add_series(); },
        [](v1::Series* series, int64_t t, double v) {
          auto* sample = series->add_samples();
          sample->set_ts_ms(t);
          sample->set_value(v);
        });
    if (!stream_) {
      if (!stub_) {
        // A channel of its own after every failure: a channel that saw vigied die keeps failing
        // calls for seconds (its reconnect backoff), longer than vigied takes to come back.
        grpc::ChannelArguments args;
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        stub_ = v1::Ingest::NewStub(
            grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args));
      }
      context_ = std::make_unique<grpc::ClientContext>();
      context_->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      stream_ = stub_->Push(context_.get());
    }
    v1::PushAck ack;
    if (!stream_->Write(request) || !stream_->Read(&ack)) {
      EndStream();
      return false;
    }
    if (ack.seq() != request.seq() || ack.rejected() != 0) {
      SetError("request " + std::to_string(r) + ": ack " + ack.ShortDebugString());
      return false;
    }
    return true;
  }

  void EndStream() {
    if (!stream_) return;
    context_->TryCancel();
    stream_->Finish().ok();  // The stream is given up on: its status does not matter.
    stream_.reset();
    context_.reset();
    stub_.reset();
  }

  std::string address_;
  std::unique_ptr<v1::Ingest::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PushRequest, v1::PushAck>> stream_;
};

// The instant vector of `query` at `time_ms` as (value of label s -> value); fails the test on
// an error.
std::map<std::string, double> QueryBySeries(const std::string& address, const std::string& query,
                                            int64_t time_ms) {
  char time[32];
  std::snprintf(time, sizeof time, "%.3f", time_ms / 1000.0);
  HttpReply reply =
      HttpCall(address, "GET", "/api/v1/query?" + QueryString({{"query", query}, {"time", time}}));
  auto body = nlohmann::json::parse(reply.body, nullptr, false);
  std::map<std::string, double> out;
  if (reply.status != 200 || body.is_discarded() || body.value("status", "") != "success") {
    ADD_FAILURE() << query << " at " << time << ": HTTP " << reply.status << " " << reply.body;
    return out;
  }
  for (const auto& series : body["data"]["result"]) {
    out[series["metric"].value("s", "")] = std::stod(series["value"][1].get<std::string>());
  }
  return out;
}

// Samples r*10 .. r*10+9 of every series of `sender` are readable: the window of 240 ms before
// the last of them holds exactly them (the one before is 250 ms back).
void ExpectRequestReadable(const std::string& address, const Sender& sender, int r) {
  int64_t last = TimeOf(sender.base_ms(), (r + 1) * kSamplesPerRequest - 1);
  auto counts = QueryBySeries(address, "count_over_time(" + sender.name() + "[240ms])", last);
  EXPECT_EQ(counts.size(), static_cast<size_t>(kSeries))
      << sender.name() << " request " << r << " (acknowledged before the kill) is missing";
  for (const auto& [s, count] : counts)
    EXPECT_EQ(count, kSamplesPerRequest) << sender.name() << " series s=" << s << " request " << r;
}

TEST(MetricsCrashTest, KillNineDuringRemoteWriteAndPushLosesAndDuplicatesNoSample) {
  TempDir dir;
  Vigied server(dir.path() + "/data");
  server.Start();
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  int64_t base_ms = (now_ms - 5 * 60 * 1000) / 1000 * 1000;  // The last sample is 50 s back.
  RemoteWriteSender remote_write(server.http_address(), base_ms);
  PushSender push(server.grpc_address(), base_ms);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
  std::thread remote_write_thread([&] { remote_write.Run(deadline, push); });
  std::thread push_thread([&] { push.Run(deadline, remote_write); });
  auto sending = [&] { return remote_write.acked < kRequests || push.acked < kRequests; };

  unsigned seed = CrashTestSeed();
  SCOPED_TRACE("VIGIE_CRASH_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  int kills = 0;
  while (kills < kKills && sending() && std::chrono::steady_clock::now() < deadline) {
    // Kill k comes once both senders are within the k-th of kKills + 1 slices of their requests
    // (where in it, from the seed), not after a time: on a fast idle machine the senders would
    // finish before the last kill.
    const int slice = kRequests / (kKills + 1);
    const int target = (kills + 1) * slice - static_cast<int>(rng() % (slice / 2));
    while (std::min(remote_write.acked.load(), push.acked.load()) < target && sending() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    int acked[2] = {remote_write.acked.load(), push.acked.load()};
    server.Kill9();
    ++kills;
    std::cerr << "kill " << kills << ": acknowledged " << acked[0] << "/" << kRequests
              << " remote_write and " << acked[1] << "/" << kRequests << " Push requests\n";
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    server.Start();
    ASSERT_FALSE(HasFatalFailure());
    // What was acknowledged last before the kill survived it.
    if (acked[0] > 0) ExpectRequestReadable(server.http_address(), remote_write, acked[0] - 1);
    if (acked[1] > 0) ExpectRequestReadable(server.http_address(), push, acked[1] - 1);
    // Both senders are back before the next kill, so that every kill interrupts both.
    while (sending() && (remote_write.acked == acked[0] || push.acked == acked[1]) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  remote_write_thread.join();
  push_thread.join();
  EXPECT_EQ(remote_write.error, "");
  EXPECT_EQ(push.error, "");
  ASSERT_EQ(kills, kKills) << "the senders finished before vigied was killed " << kKills
                           << " times: send more samples";
  // One more crash after the last ack: what was acknowledged must still be there.
  server.Kill9();
  server.Start();
  ASSERT_FALSE(HasFatalFailure());

  const int kSamples = kRequests * kSamplesPerRequest;
  int64_t end_ms = TimeOf(base_ms, kSamples - 1);
  for (const Sender* sender :
       {static_cast<const Sender*>(&remote_write), static_cast<const Sender*>(&push)}) {
    std::string window = "[" + std::to_string(kSamples * kStepMs) + "ms]";
    auto counts = QueryBySeries(server.http_address(),
                                "count_over_time(" + sender->name() + window + ")", end_ms);
    auto sums = QueryBySeries(server.http_address(),
                              "sum_over_time(" + sender->name() + window + ")", end_ms);
    ASSERT_EQ(counts.size(), static_cast<size_t>(kSeries)) << sender->name();
    for (int s = 0; s < kSeries; ++s) {
      double expected_sum = 0;
      for (int i = 0; i < kSamples; ++i) expected_sum += ValueOf(s, i);
      std::string id = std::to_string(s);
      EXPECT_EQ(counts[id], kSamples) << sender->name() << " series s=" << s;
      EXPECT_EQ(sums[id], expected_sum) << sender->name() << " series s=" << s;
    }
  }
}

}  // namespace
}  // namespace vigie::testing
