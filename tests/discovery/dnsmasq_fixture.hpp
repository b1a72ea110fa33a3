// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
#ifndef COHORT_TESTS_DISCOVERY_DNSMASQ_FIXTURE_HPP
#define COHORT_TESTS_DISCOVERY_DNSMASQ_FIXTURE_HPP

// A real DNS server for the resolver's tests: Debian's dnsmasq (package
// dnsmasq-base, in COHORT_TEST_PACKAGES), started by fork/exec on a free port
// of 127.0.0.1 and ::1, answering only from its command line (no upstream,
// no /etc/hosts; the `test` domain is local, so an unknown name there is
// NXDOMAIN). Ready once it answers a query; stopped by its PID. A missing
// dnsmasq fails the test: it is never skipped.

#include <cohort/discovery/detail/dns_message.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace dnsmasq_test {

inline std::string find_dnsmasq() {
    for (char const* p : {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"})
        if (::access(p, X_OK) == 0) return p;
    return {};
}

// A port free on 127.0.0.1 for UDP and TCP just now.
inline unsigned short free_port() {
    namespace asio = boost::asio;
    asio::io_context ctx;
    for (int i = 0; i < 50; ++i) {
        asio::ip::udp::socket u(ctx, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        auto const port = u.local_endpoint().port();
        boost::system::error_code ec;
        asio::ip::tcp::acceptor t(ctx);
        t.open(asio::ip::tcp::v4(), ec);
        if (!ec) t.bind({asio::ip::make_address("127.0.0.1"), port}, ec);
        if (!ec) return port;
    }
    BOOST_FAIL("no free port on 127.0.0.1");
    return 0;
}

class server {
public:
    /// `records`: dnsmasq options (--srv-host=..., --host-record=...).
    explicit server(std::vector<std::string> records) {
        auto const exe = find_dnsmasq();
        if (exe.empty())
            BOOST_FAIL("dnsmasq not found: install Debian's dnsmasq-base (tools/lib/common.sh "
                       "COHORT_TEST_PACKAGES); this test is not skipped without it");
        for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) {
            port_ = free_port();
            std::vector<std::string> args{exe,
                                          "--keep-in-foreground",
                                          "--port=" + std::to_string(port_),
                                          "--listen-address=127.0.0.1,::1",
                                          "--bind-interfaces",
                                          "--no-resolv",
                                          "--no-hosts",
                                          "--user=root",
                                          "--pid-file=",
                                          "--log-facility=/dev/null",
                                          "--local=/test/"};
            args.insert(args.end(), records.begin(), records.end());
            if (launch(args) && ready()) break;
            stop();  // the port was taken meanwhile, or it never answered
        }
        BOOST_REQUIRE_MESSAGE(pid_ > 0, "dnsmasq did not start (see its options above)");
    }
    server(server const&) = delete;
    server& operator=(server const&) = delete;
    ~server() { stop(); }

    unsigned short port() const { return port_; }
    boost::asio::ip::udp::endpoint v4() const {
        return {boost::asio::ip::make_address("127.0.0.1"), port_};
    }
    boost::asio::ip::udp::endpoint v6() const {
        return {boost::asio::ip::make_address("::1"), port_};
    }

private:
    bool launch(std::vector<std::string> const& args) {
        std::vector<char*> argv;
        for (auto const& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        pid_t const pid = ::fork();
        if (pid < 0) return false;
        if (pid == 0) {
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        pid_ = pid;
        return true;
    }

    // Asks for n1.test's A record until dnsmasq answers (at most 5 s).
    bool ready() {
        int const fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0) return false;
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port_);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        auto const q = cohort::detail::make_dns_query("ready.test", cohort::detail::dns_type_a);
        auto const until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        bool ok = false;
        while (!ok && std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // it exited: port taken?
                pid_ = -1;
                break;
            }
            ::sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr const*>(&to), sizeof to);
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 100) == 1) {
                unsigned char buf[512];
                ok = ::recv(fd, buf, sizeof buf, 0) > 0;
            }
        }
        ::close(fd);
        return ok;
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        auto const until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling an exit, not asserting
        }
        pid_ = -1;
    }

    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

} // namespace dnsmasq_test

#endif // COHORT_TESTS_DISCOVERY_DNSMASQ_FIXTURE_HPP
