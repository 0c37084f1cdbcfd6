import Testing
@testable import Dstack
