import Testing
@testable import DevProofChecks
