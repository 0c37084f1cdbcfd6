import DevProofCore
import Foundation
import TestSupport
import Testing
@testable import Dstack

/// The Python dialect of canonical JSON (`json.dumps(v, sort_keys=True)`, tutorial 07's claim hash)
/// against CPython itself on tricky inputs.
@Suite("PythonJSON: json.dumps(sort_keys=True) differential against CPython")
struct PythonJSONTests {
    static let inputs = [
        #"{"type":"lightclient_attestation","network":"mainnet","block_number":21000000,"block_hash":"0xab","call":{"to":"0x6b","data":"0x18160ddd","result":"0x00"}}"#,
        #"{"b":1,"a":[1,2,{"z":null,"y":true,"x":false}],"é":"caf\u00e9 \ud83d\ude00 \u007f \u0001 \t\n\"\\"}"#,
        #"{"n":-0,"f":1.5,"e":1e21,"g":1E-7,"big":123456789012345678901234567890,"neg":-12,"z":0.0}"#,
        #"{"B":1,"a":2,"_":3,"10":4,"9":5,"\u00e0":6,"\uffff":7,"\ud800\udc00":8}"#,
        #"[]"#, #"{}"#, #"[{"k":[[],{}]}]"#, #""just a string""#, #"1e400"#,
    ]

    @Test("PythonJSON.dumpsSorted == CPython json.dumps(json.loads(x), sort_keys=True)",
          .enabled(if: TestPaths.python != nil, "Python venv not found (set DEVPROOF_PYTHON): CPython oracle not run"))
    func matchesCPython() throws {
        let script = "import json,sys\nfor l in sys.stdin.read().split('\\n'):\n    print(json.dumps(json.loads(l), sort_keys=True))"
        let r = try Run.python(["-c", script], stdin: Array(Self.inputs.joined(separator: "\n").utf8))
        try #require(r.status == 0, "\(r.stderr)")
        let want = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (i, text) in Self.inputs.enumerated() {
            #expect(PythonJSON.dumpsSorted.dumps(try JSONParser.parse(text)) == want[i], "input \(i): \(text)")
        }
    }
}
