# pragma version ~=0.4.3
# @title DstackKms (devnet)
# @notice ABI-compatible subset of dstack's kms/auth-eth DstackKms: kmsInfo, registeredApps, allowedOsImages,
#         KMS MR/device allowlists, isKmsAllowed, and isAppAllowed (registered → OS image → code exists →
#         delegate to the app's IAppAuth.isAppAllowed), and the deployAndRegisterApp factory (6-argument form:
#         an ERC-1967 proxy of appImplementation, initialized, registered, AppDeployedViaFactory emitted).
#         Deployed directly (no proxy); owner is single-step.

struct AppBootInfo:
    appId: address
    composeHash: bytes32
    instanceId: address
    deviceId: bytes32
    mrAggregated: bytes32
    mrSystem: bytes32
    osImageHash: bytes32
    tcbStatus: String[128]
    advisoryIds: DynArray[String[128], 64]

struct KmsInfo:
    k256Pubkey: Bytes[128]
    caPubkey: Bytes[512]
    quote: Bytes[8192]
    eventlog: Bytes[8192]

interface IAppAuth:
    def isAppAllowed(bootInfo: AppBootInfo) -> (bool, String[256]): view

event KmsInfoSet:
    k256Pubkey: Bytes[128]

event AppRegistered:
    appId: address

event KmsAggregatedMrAdded:
    mrAggregated: bytes32

event KmsAggregatedMrRemoved:
    mrAggregated: bytes32

event KmsDeviceAdded:
    deviceId: bytes32

event KmsDeviceRemoved:
    deviceId: bytes32

event OsImageHashAdded:
    osImageHash: bytes32

event OsImageHashRemoved:
    osImageHash: bytes32

event GatewayAppIdSet:
    gatewayAppId: String[128]

event AppImplementationSet:
    implementation: address

event AppDeployedViaFactory:
    appId: indexed(address)
    deployer: indexed(address)

event PolicyChanged:
    actor: indexed(address)
    policy: indexed(bytes32)
    policyValue: indexed(bytes32)
    enabled: bool

event OwnershipTransferred:
    previousOwner: indexed(address)
    newOwner: indexed(address)

# ERC-1967 proxy creation code (same bytes as devnet/deploy.py proxy_initcode for 196-byte init data), split
# around the two places the implementation address goes.
PROXY_A: constant(Bytes[1]) = x"73"
PROXY_B: constant(Bytes[86]) = x"807f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc557fbc7cd75a20ee27fd9adebab32041f755214dbc6bffa90cc0225b39da2e5c2d3b5f5fa26100c46100d35f395f5f6100c45f73"
PROXY_C: constant(Bytes[84]) = x"5af4608b573d5f5f3e3d5ffd5b61003a6100995f3961003a5ff3365f5f375f5f365f7f360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc545af43d5f5f3e6036573d5ffd5b3d5ff3"

_kmsInfo: KmsInfo
gatewayAppId: public(String[128])
registeredApps: public(HashMap[address, bool])
kmsAllowedAggregatedMrs: public(HashMap[bytes32, bool])
kmsAllowedDeviceIds: public(HashMap[bytes32, bool])
allowedOsImages: public(HashMap[bytes32, bool])
appImplementation: public(address)
owner: public(address)


@deploy
def __init__(initialOwner: address, _appImplementation: address):
    self.owner = initialOwner
    log OwnershipTransferred(previousOwner=empty(address), newOwner=initialOwner)
    if _appImplementation != empty(address):
        self.appImplementation = _appImplementation
        log AppImplementationSet(implementation=_appImplementation)


@internal
@view
def _only_owner():
    assert msg.sender == self.owner, "Ownable: caller is not the owner"


@external
def transferOwnership(newOwner: address):
    self._only_owner()
    log OwnershipTransferred(previousOwner=self.owner, newOwner=newOwner)
    self.owner = newOwner


@external
@view
def kmsInfo() -> (Bytes[128], Bytes[512], Bytes[8192], Bytes[8192]):
    return self._kmsInfo.k256Pubkey, self._kmsInfo.caPubkey, self._kmsInfo.quote, self._kmsInfo.eventlog


@external
def setKmsInfo(info: KmsInfo):
    self._only_owner()
    self._kmsInfo = info
    log KmsInfoSet(k256Pubkey=info.k256Pubkey)
    log PolicyChanged(actor=msg.sender, policy=keccak256("kms-info"), policyValue=keccak256(info.k256Pubkey), enabled=True)


@external
def setGatewayAppId(appId: String[128]):
    self._only_owner()
    self.gatewayAppId = appId
    log GatewayAppIdSet(gatewayAppId=appId)


@external
def setAppImplementation(impl: address):
    self._only_owner()
    self.appImplementation = impl
    log AppImplementationSet(implementation=impl)


@external
def registerApp(appId: address):
    assert appId != empty(address), "Invalid app ID"
    self._register(appId)


@internal
def _register(appId: address):
    self.registeredApps[appId] = True
    log AppRegistered(appId=appId)
    log PolicyChanged(actor=msg.sender, policy=keccak256("registered-app"),
                      policyValue=convert(convert(appId, uint256), bytes32), enabled=True)


@external
def deployAndRegisterApp(initialOwner: address, disableUpgrades: bool, allowAnyDevice: bool, requireTcbUpToDate: bool,
                         initialDeviceId: bytes32, initialComposeHash: bytes32) -> address:
    impl: address = self.appImplementation
    assert impl != empty(address), "DstackApp implementation not set"
    init_data: Bytes[196] = concat(method_id("initialize(address,bool,bool,bool,bytes32,bytes32)"),
                              abi_encode(initialOwner, disableUpgrades, allowAnyDevice, requireTcbUpToDate,
                                         initialDeviceId, initialComposeHash))
    code: Bytes[426] = concat(PROXY_A, convert(impl, bytes20), PROXY_B, convert(impl, bytes20), PROXY_C, init_data)
    app: address = raw_create(code)
    self._register(app)
    log AppDeployedViaFactory(appId=app, deployer=msg.sender)
    return app


@external
def addKmsAggregatedMr(mrAggregated: bytes32):
    self._only_owner()
    self.kmsAllowedAggregatedMrs[mrAggregated] = True
    log KmsAggregatedMrAdded(mrAggregated=mrAggregated)


@external
def removeKmsAggregatedMr(mrAggregated: bytes32):
    self._only_owner()
    self.kmsAllowedAggregatedMrs[mrAggregated] = False
    log KmsAggregatedMrRemoved(mrAggregated=mrAggregated)


@external
def addKmsDevice(deviceId: bytes32):
    self._only_owner()
    self.kmsAllowedDeviceIds[deviceId] = True
    log KmsDeviceAdded(deviceId=deviceId)


@external
def removeKmsDevice(deviceId: bytes32):
    self._only_owner()
    self.kmsAllowedDeviceIds[deviceId] = False
    log KmsDeviceRemoved(deviceId=deviceId)


@external
def addOsImageHash(osImageHash: bytes32):
    self._only_owner()
    self.allowedOsImages[osImageHash] = True
    log OsImageHashAdded(osImageHash=osImageHash)
    log PolicyChanged(actor=msg.sender, policy=keccak256("os-image"), policyValue=osImageHash, enabled=True)


@external
def removeOsImageHash(osImageHash: bytes32):
    self._only_owner()
    self.allowedOsImages[osImageHash] = False
    log OsImageHashRemoved(osImageHash=osImageHash)
    log PolicyChanged(actor=msg.sender, policy=keccak256("os-image"), policyValue=osImageHash, enabled=False)


@external
@view
def isKmsAllowed(bootInfo: AppBootInfo) -> (bool, String[64]):
    if keccak256(bootInfo.tcbStatus) != keccak256("UpToDate"):
        return False, "TCB status is not up to date"
    if not self.allowedOsImages[bootInfo.osImageHash]:
        return False, "OS image is not allowed"
    if not self.kmsAllowedAggregatedMrs[bootInfo.mrAggregated]:
        return False, "Aggregated MR not allowed"
    if not self.kmsAllowedDeviceIds[bootInfo.deviceId]:
        return False, "KMS is not allowed to boot on this device"
    return True, ""


@external
@view
def isAppAllowed(bootInfo: AppBootInfo) -> (bool, String[256]):
    if not self.registeredApps[bootInfo.appId]:
        return False, "App not registered"
    if not self.allowedOsImages[bootInfo.osImageHash]:
        return False, "OS image is not allowed"
    if not bootInfo.appId.is_contract:
        return False, "App not deployed or invalid address"
    return staticcall IAppAuth(bootInfo.appId).isAppAllowed(bootInfo)
