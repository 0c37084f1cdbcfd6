import Foundation

/// Reading evidence files: unreadable → exit 2 with the path in a one-line message. Every read is bounded
/// (a 1.6 GB "quote" must be a clear usage error, not an out-of-memory abort): over the kind's limit →
/// `DevProofError.malformed` (exit 2) naming the file, the limit and the flag's kind.
public enum InputFile {
    /// Size caps per kind of input (bytes). Real inputs are far below: a quote is ~5-8 KiB, collateral
    /// ~30 KiB, an Info response with its event log ~100 KiB.
    public enum Limit {
        public static let quote = 1 << 20               // 1 MiB
        public static let config = 4 << 20              // policy, --os-ref, collateral, vm_config, certificates
        public static let evidence = 16 << 20           // JSON/SCALE evidence, event logs, app-compose, --bind files
        public static let `default` = 16 << 20
    }

    public static func read(_ path: String, what: String = "file", limit: Int = Limit.default) throws -> Bytes {
        let name = path == "-" ? "stdin" : "'\(path)'"
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw DevProofError.unreadable("cannot read \(what) '\(path)': no such file")
            }
            guard !isDir.boolValue, let h = FileHandle(forReadingAtPath: path) else {
                throw DevProofError.unreadable("cannot read \(what) '\(path)'\(isDir.boolValue ? ": it is a directory" : "")")
            }
            handle = h
        }
        defer { if path != "-" { try? handle.close() } }
        var out = Bytes()
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 16) ?? Data() } catch {
                throw DevProofError.unreadable("cannot read \(what) \(name): \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            out.append(contentsOf: chunk)
            if out.count > limit {
                throw DevProofError.malformed("\(what) \(name) is larger than \(limit) bytes (\(limit >> 20) MiB), the limit for this input")
            }
        }
        return out
    }

    public static func readJSON(_ path: String, what: String = "JSON file", limit: Int = Limit.default) throws -> (bytes: Bytes, value: JSONValue) {
        let b = try read(path, what: what, limit: limit)
        do { return (b, try JSONParser.parse(b)) } catch let e as JSONParseError {
            throw DevProofError.malformed("\(what) '\(path)' is not valid JSON: \(e.message) (byte \(e.offset))")
        }
    }

    public static func write(_ path: String, _ bytes: Bytes) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw DevProofError.unreadable("cannot write '\(path)'")
        }
    }
}
