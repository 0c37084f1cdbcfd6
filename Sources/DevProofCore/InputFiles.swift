import Foundation

/// Reading evidence files: unreadable → exit 2 with the path in a one-line message.
public enum InputFile {
    public static func read(_ path: String, what: String = "file") throws -> Bytes {
        if path == "-" {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let d = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
                throw DevProofError.unreadable("cannot read \(what) '\(path)'\(isDir.boolValue ? ": it is a directory" : "")")
            }
            throw DevProofError.unreadable("cannot read \(what) '\(path)': no such file")
        }
        return Array(d)
    }

    public static func readJSON(_ path: String, what: String = "JSON file") throws -> (bytes: Bytes, value: JSONValue) {
        let b = try read(path, what: what)
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
