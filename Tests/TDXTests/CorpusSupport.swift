import DevProofCore
import Foundation
import TestSupport
import Testing

/// Reads a file of the corpus `dcap/` directory; nil (test skips visibly) when the corpus is absent,
/// unless CI requires it.
func corpusDCAP(_ name: String) throws -> Bytes? {
    guard let path = TestPaths.corpusFile("dcap/\(name)") else {
        if TestPaths.corpusRequired { Issue.record("corpus required but missing (DEVPROOF_CORPUS)") }
        else { print("SKIP: corpus absent, \(name) not tested (set DEVPROOF_CORPUS)") }
        return nil
    }
    return try InputFile.read(path)
}
