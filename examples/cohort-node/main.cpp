// Copyright (c) 2026 The cohort developers.
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)

// cohort-node: a standalone cluster member run the way operators run
// `serf agent`, and the commands that ask a running agent for its view
// (members), to join (join) or to leave (leave). `cohort-node --help`.
//
// Exit status: 0 done; 1 a runtime failure (address in use, agent not
// reachable, request refused); 2 a bad command line.
#include "agent.hpp"
#include "client.hpp"
#include "options.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>

#include <exception>
#include <iostream>
#include <span>

int main(int argc, char** argv) {
    auto parsed = cohort_node::parse_command_line(
        std::span<char const* const>(argv + 1, static_cast<std::size_t>(argc > 0 ? argc - 1 : 0)));
    if (!parsed) {
        std::cerr << "cohort-node: " << parsed.error() << "\n\n" << cohort_node::usage_text;
        return 2;
    }
    if (std::holds_alternative<cohort_node::help_request>(*parsed)) {
        std::cout << cohort_node::usage_text;
        return 0;
    }
    if (auto* c = std::get_if<cohort_node::client_options>(&*parsed))
        return cohort_node::run_client(*c);
    try {
        boost::asio::io_context ctx(1);
        cohort_node::agent a(ctx, std::get<cohort_node::agent_options>(std::move(*parsed)));
        return a.run();
    } catch (boost::system::system_error const& e) {
        std::cerr << "cohort-node agent: cannot start: " << e.what() << '\n';
        return 1;
    } catch (std::exception const& e) {
        std::cerr << "cohort-node agent: " << e.what() << '\n';
        return 1;
    }
}
