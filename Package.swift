// swift-tools-version:6.0
import PackageDescription

// Layers (each depends only on those below it):
//   C shims → DevProofCore → domain modules (TDX, Dstack, EVM, OCI) → DstackChain → DevProofChecks → devproof (CLI)
let package = Package(
    name: "devproof",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "devproof", targets: ["devproof"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
    ],
    targets: [
        // System libraries (Debian: libssl-dev, libsecp256k1-dev, libcurl4-openssl-dev).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSecp256k1", pkgConfig: "libsecp256k1",
                       providers: [.apt(["libsecp256k1-dev"])]),
        // Headers only: libcurl is dlopen-ed on the first HTTP request (Sources/CCurl/shim.h, docs/decisions.md),
        // so no pkg-config (it would add -lcurl and load libcurl's ~25 dependencies into every run).
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // gzip and zstd layer decompression for OCI images (Debian: zlib1g-dev, libzstd-dev); docs/decisions.md.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),

        .target(name: "DevProofCore", dependencies: ["COpenSSL", "CSecp256k1", "CCurl"]),
        .target(name: "TDX", dependencies: ["DevProofCore"]),
        .target(name: "Dstack", dependencies: ["DevProofCore", "TDX", .product(name: "Yams", package: "Yams")]),
        // Generic EVM: ABI, JSON-RPC, pinning, logs, ecrecover. No dstack contract knowledge.
        .target(name: "EVM", dependencies: ["DevProofCore"]),
        // OCI image archives/layouts and docker-save tars: streaming tar, gzip/zstd, digests (no extraction).
        .target(name: "OCI", dependencies: ["DevProofCore", "CZlib", "CZstd"]),
        // dstack's contracts on a chain: DstackKms/DstackApp/TimelockAppAuth ABIs and readers, TeeOracle, the KMS
        // key-certification chain.
        .target(name: "DstackChain", dependencies: ["DevProofCore", "EVM", "Dstack"]),
        .target(name: "DevProofChecks", dependencies: ["DevProofCore", "TDX", "Dstack", "EVM", "DstackChain", "OCI",
                                                     .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "devproof", dependencies: [
            "DevProofCore", "DevProofChecks",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks for `make bench` (scripts/bench.d); not shipped as a product, not in the CLI help.
        .executableTarget(name: "devproof-bench", dependencies: ["DevProofCore", "TDX", "EVM", "DstackChain", "DevProofChecks"]),

        // Test helpers (paths, corpus, venv, processes); linked only into tests.
        .target(name: "TestSupport", dependencies: ["DevProofCore"], path: "Tests/TestSupport"),
        .testTarget(name: "DevProofCoreTests", dependencies: ["DevProofCore", "TestSupport"]),
        .testTarget(name: "TDXTests", dependencies: ["TDX", "DevProofCore", "TestSupport"]),
        .testTarget(name: "DstackTests", dependencies: ["Dstack", "TDX", "DevProofCore", "TestSupport"]),
        // EVMTests use dstack's ABIs as realistic test data (selectors, events), hence DstackChain.
        .testTarget(name: "EVMTests", dependencies: ["EVM", "DstackChain", "DevProofCore", "TestSupport"]),
        .testTarget(name: "DstackChainTests", dependencies: ["DstackChain", "EVM", "DevProofCore", "TestSupport"]),
        .testTarget(name: "DevProofChecksTests", dependencies: ["DevProofChecks", "DevProofCore", "TDX", "Dstack", "EVM", "DstackChain", "TestSupport"]),
        .testTarget(name: "OCITests", dependencies: ["OCI", "DevProofCore", "TestSupport", "CZstd"]),
        // Runs the built `devproof` binary; depends on it so `swift test` builds it first.
        .testTarget(name: "EndToEndTests", dependencies: ["devproof", "DevProofCore", "TestSupport"]),
    ]
)
