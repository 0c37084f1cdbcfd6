extension CheckCatalog {
    /// stage (docs/stage.md): one check per ERC-733 requirement, and the gate.
    /// Requirement checks are not required: `stage.level` alone decides whether an unknown blocks the verdict.
    static let stage: [CheckSpec] = [
        CheckSpec("stage.level", "stage", required: true, "the stage reached is at least --require-stage"),
    ] + ["S1.1", "S1.2", "S1.3", "S1.4", "S1.5", "S1.6", "S1.7",
         "S2.1", "S2.2", "S2.3", "S2.4", "S2.5", "S2.6", "S2.7", "S2.8", "S3.1", "S3.2", "S3.3"].map {
        CheckSpec("stage.\($0)", "stage", required: false, "ERC-733 requirement \($0)")
    }
}
