import TDX
import DevProofCore

/// The TD report fields the dstack checks need. Built from `TDX.Quote` (the DCAP engineer's parser);
/// kept as a plain value so the dstack logic is testable on its own.
public struct QuoteRegisters: Sendable, Equatable {
    public var mrTD: Bytes
    public var mrConfigId: Bytes
    public var mrOwner: Bytes
    public var mrOwnerConfig: Bytes
    public var rtmrs: [Bytes]
    public var reportData: Bytes
    public var tdAttributes: Bytes

    public init(mrTD: Bytes, mrConfigId: Bytes, mrOwner: Bytes, mrOwnerConfig: Bytes, rtmrs: [Bytes],
                reportData: Bytes, tdAttributes: Bytes) {
        self.mrTD = mrTD; self.mrConfigId = mrConfigId; self.mrOwner = mrOwner; self.mrOwnerConfig = mrOwnerConfig
        self.rtmrs = rtmrs; self.reportData = reportData; self.tdAttributes = tdAttributes
    }

    /// TUD.DEBUG: td_attributes[0] bit 0.
    public var debug: Bool { (tdAttributes.first ?? 0) & 1 == 1 }
}


extension QuoteRegisters {
    /// The registers of a TDX quote; SGX quotes are rejected (dstack evidence is TDX).
    public init(_ q: Quote) throws {
        guard let td = q.tdReport else {
            throw DevProofError.malformed("the quote is an SGX quote; dstack evidence needs a TDX quote (TEE type 0x81)")
        }
        self.init(mrTD: td.mrTD, mrConfigId: td.mrConfigID, mrOwner: td.mrOwner, mrOwnerConfig: td.mrOwnerConfig,
                  rtmrs: td.rtmrs, reportData: td.reportData, tdAttributes: td.tdAttributes)
    }
}
