#include "tests/support/incus_lab.h"

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace mm::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The veth end the managed network sits on (inside incusd's network namespace).
constexpr const char* kParent = "mmlab0";

}  // namespace

IncusLab::IncusLab(const IncusLabOptions& options) {
  owned_ = std::make_unique<IncusServer>();
  server_ = owned_.get();
  set_up(options);
}

IncusLab::IncusLab(IncusServer& server, const IncusLabOptions& options) : server_(&server) {
  set_up(options);
}

IncusLab::~IncusLab() {
  standin_.reset();  // before the daemon it forwards to
  owned_.reset();
}

void IncusLab::set_up(const IncusLabOptions& options) {
  const auto begin = Clock::now();
  IncusServer& s = *server_;
  if (options.second_pool && s.try_incus("storage show " + std::string(kPool2)).exit_code != 0) {
    s.incus("storage create " + std::string(kPool2) + " dir");
  }
  const std::string& project = options.second_project;
  if (!project.empty() && s.try_incus("project show " + quote(project)).exit_code != 0) {
    // A project of its own for volumes and profiles (Incus's defaults, spelled out); its default
    // profile gets the root disk the "default" project's has.
    s.incus("project create " + quote(project) +
            " -c features.storage.volumes=true -c features.profiles=true");
    s.incus("profile device add default root disk path=/ pool=" + s.pool() + " --project " +
            quote(project));
  }
  if (options.network && s.try_incus("network show " + std::string(kNetwork)).exit_code != 0) {
    add_network();
  }
  dir_ = std::make_unique<TempDir>();
  standin_ = std::make_unique<IncusStandin>(
      *dir_, s.trusted_client(), "-upstream " + quote(s.unix_url()) + " " + options.standin_args);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begin);
  std::fprintf(stderr, "[incus lab] %s fronting incusd %d, set up in %lld ms\n",
               standin_->url().c_str(), s.pid(), static_cast<long long>(ms.count()));
}

void IncusLab::add_network() {
  IncusServer& s = *server_;
  // A managed bridge needs dnsmasq (incusd checks its version even with no addresses), so the
  // network is a macvlan one on a veth pair; veth and bridge links work in the namespace, the
  // dummy module is not loaded here.
  must_run("nsenter --net=" + s.netns_path() + " sh -c 'ip link show " + kParent +
           " >/dev/null 2>&1 || { ip link add " + kParent + " type veth peer name " + kParent +
           "p && ip link set " + kParent + " up && ip link set " + kParent + "p up; }'");
  // incusd looks interfaces up in /sys/class/net, and the sysfs it inherited shows the host's
  // namespace: give its mount namespace a sysfs of its network namespace, keeping the cgroup
  // mounts.
  must_run("nsenter --mount=" + s.mntns_path() + " --net=" + s.netns_path() +
           " sh -c 'test -e /sys/class/net/" + kParent +
           " || { d=$(mktemp -d) && mount -t sysfs sysfs \"$d\" && "
           "mount --rbind /sys/fs/cgroup \"$d/fs/cgroup\" && mount --move \"$d\" /sys && "
           "rmdir \"$d\"; }'");
  s.incus("network create " + std::string(kNetwork) + " --type=macvlan parent=" + kParent);
}

target::TargetEndpoint IncusLab::endpoint() const {
  return standin_->endpoint(server_->trusted_client());
}

std::string IncusLab::pool_source(const std::string& pool) const {
  return trimmed(server_->incus("storage get " + quote(pool) + " source"));
}

}  // namespace mm::test
