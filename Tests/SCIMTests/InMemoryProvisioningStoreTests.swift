import ProvisioningStoreConformance
import XCTest

/// The provisioning store conformance suite on the in-memory store (PostgreSQL runs the same
/// suite in AppTests' PostgresProvisioningStoreTests).
final class InMemoryProvisioningStoreTests: XCTestCase {
    var conformance: ProvisioningStoreConformance {
        let store = InMemoryProvisioningStore()
        return ProvisioningStoreConformance(store: store, fixtures: store)
    }

    func testSourcesAndTokens() throws { try conformance.sourcesAndTokens() }
    func testUsersCreateReadAndConflict() throws { try conformance.usersCreateReadAndConflict() }
    func testUserListingsNarrowAndPage() throws { try conformance.userListingsNarrowAndPage() }
    func testUserUpdatesLockRefuseAndDeactivate() throws { try conformance.userUpdatesLockRefuseAndDeactivate() }
    func testUserDeletionKeepsOrPurges() throws { try conformance.userDeletionKeepsOrPurges() }
    func testUserFoundByExternalIDWithinItsSource() throws { try conformance.userFoundByExternalIDWithinItsSource() }
    func testGroupsMembersAndNesting() throws { try conformance.groupsMembersAndNesting() }
    func testGroupUpdatesAndDeletion() throws { try conformance.groupUpdatesAndDeletion() }
}
