// swift-tools-version:6.0
// clustersim: a deterministic discrete-event simulator of microservice clusters.
// Layers point down only (DESIGN.md): CGSL, SimKernel → SimRandom, SimStats → ClusterModels,
// Workloads → ScenarioSpec → Experiments → ReportWriter → clustersim
// (ConsensusModels joins above ClusterModels with the consensus issue).
import PackageDescription

let package = Package(
    name: "clustersim",
    products: [
        .executable(name: "clustersim", targets: ["clustersim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        .target(name: "SimKernel"),
        .target(name: "SimRandom", dependencies: ["CGSL", "SimKernel"]),
        .target(name: "SimStats", dependencies: ["CGSL", "SimKernel"]),
        .target(name: "ClusterModels", dependencies: ["CGSL", "SimKernel", "SimRandom", "SimStats"]),
        .target(name: "Workloads", dependencies: ["CGSL", "SimKernel", "SimRandom"]),
        .target(name: "ScenarioSpec", dependencies: [
            "SimKernel", "SimRandom", "ClusterModels", "Workloads",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Experiments", dependencies: [
            "CGSL", "SimKernel", "SimRandom", "SimStats", "ClusterModels", "Workloads", "ScenarioSpec",
        ]),
        .target(name: "ReportWriter", dependencies: ["SimStats", "ScenarioSpec", "Experiments"]),
        .executableTarget(name: "clustersim", dependencies: [
            "ScenarioSpec", "Experiments", "ReportWriter",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "SimRandomTests", dependencies: ["SimRandom", "CGSL"]),
        .testTarget(name: "SimStatsTests", dependencies: ["SimStats"]),
        .testTarget(name: "ClusterModelsTests", dependencies: ["ClusterModels", "Workloads"]),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads"]),
        .testTarget(name: "ScenarioSpecTests", dependencies: ["ScenarioSpec"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "ScenarioSpec"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Experiments", "ScenarioSpec", "ReportWriter"]),
    ]
)
