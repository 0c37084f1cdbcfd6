import DevProofCore
import Foundation

/// Vectors from scripts/keys_vectors.py (coincurve + eth-keys), generated once per test process.
public enum KeyVectors {
    static let loaded: Result<JSONValue, TestSupportError> = {
        let script = TestPaths.root.appendingPathComponent("scripts/keys_vectors.py").path
        do {
            let r = try Run.python([script])
            guard r.status == 0 else { return .failure(TestSupportError("keys_vectors.py failed: \(r.stderr)")) }
            return .success(try JSONParser.parse(r.stdout))
        } catch let e as TestSupportError {
            return .failure(e)
        } catch {
            return .failure(TestSupportError("keys_vectors.py: \(error)"))
        }
    }()

    public static func get() throws -> JSONValue { try loaded.get() }
}

extension JSONValue {
    public func str(_ k: String) throws -> String {
        guard let s = self[k]?.stringValue else { throw TestSupportError("vector field \(k) missing") }
        return s
    }
    public func hexField(_ k: String) throws -> Bytes { try Hex.decode(try str(k)) }
}
