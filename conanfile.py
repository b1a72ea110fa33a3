# Copyright (c) 2026 The cohort developers.
# Distributed under the Boost Software License, Version 1.0.
# (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
"""Conan 2 recipe for cohort (header-only).

    conan create . --build=missing -s compiler.cppstd=20

The version comes from project(VERSION) in CMakeLists.txt. Consumers use
CMakeDeps (find_package(cohort CONFIG REQUIRED), target cohort::cohort) or
PkgConfigDeps (cohort.pc).
"""

import os
import re

from conan import ConanFile
from conan.errors import ConanException, ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class CohortConan(ConanFile):
    name = "cohort"
    description = ("Header-only C++20 toolkit for clustered servers: hybrid logical clock, "
                   "node lifecycle, phi-accrual failure detection, gossip membership and "
                   "consistent-hash routing on Boost.Asio")
    license = "BSL-1.0"
    url = "https://github.com/cohort-cpp/cohort"
    homepage = "https://github.com/cohort-cpp/cohort"
    topics = ("cluster", "membership", "gossip", "swim", "failure-detector", "phi-accrual",
              "hybrid-logical-clock", "consistent-hashing", "asio", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "include/*", "cmake/*", "CMakeLists.txt", "LICENSE"
    no_copy_source = True

    def set_version(self):
        if self.version:  # given on the command line (--version)
            return
        cmakelists = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        match = re.search(r"project\s*\(\s*cohort\b[^)]*?\bVERSION\s+([0-9][0-9.]*)", cmakelists)
        if not match:
            raise ConanException("cannot read project(cohort VERSION ...) from CMakeLists.txt")
        self.version = match.group(1)

    def layout(self):
        basic_layout(self)

    def configure(self):
        # Boost.JSON is a compiled library that cohort's headers use: it must be built.
        self.options["boost/*"].header_only = False
        self.options["boost/*"].without_json = False

    def requirements(self):
        # A header library's dependencies reach its consumers' headers and link line.
        self.requires("boost/[>=1.81.0]", transitive_headers=True, transitive_libs=True)
        # routing hashes keys with xxHash in its header-only mode (XXH_INLINE_ALL)
        self.requires("xxhash/[>=0.8.1]", transitive_headers=True)
        # security/ seals messages with OpenSSL 3 (EVP AES-GCM and HMAC); the stream
        # transport's TLS option uses its libssl (the package has both libraries)
        self.requires("openssl/[>=3.0]", transitive_headers=True, transitive_libs=True)

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, 20)
        boost = self.dependencies["boost"].options
        if boost.get_safe("header_only") or boost.get_safe("without_json"):
            raise ConanInvalidConfiguration(
                f"{self.ref} needs the compiled Boost.JSON: build boost with "
                "header_only=False and without_json=False")

    def build(self):
        pass  # header-only: nothing to build

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"),
             os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        self.cpp_info.set_property("cmake_file_name", "cohort")
        self.cpp_info.set_property("cmake_target_name", "cohort::cohort")
        self.cpp_info.set_property("pkg_config_name", "cohort")
        self.cpp_info.requires = ["boost::headers", "boost::json", "xxhash::xxhash",
                                 "openssl::crypto"]
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs.append("pthread")
        if self.settings.os == "Linux":
            # discovery's res_nquery (in libc since glibc 2.34, libresolv before)
            self.cpp_info.system_libs.append("resolv")
