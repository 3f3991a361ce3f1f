public import Store

/// `SAMLSessionParticipants` on `saml_session_participants` (migration 11): one row per
/// session and provider, the latest sign-in's NameID.
public struct PostgresSAMLSessionParticipants: SAMLSessionParticipants {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    public func record(_ participant: SAMLSessionParticipant, expiresAt: Timestamp) throws(StoreError) {
        try runner.write { connection in
            try connection.query("""
                INSERT INTO saml_session_participants
                    (session_id, provider_name, name_id, name_id_format, slo_url, slo_binding, signed_in_at, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (session_id, provider_name) DO UPDATE SET name_id = excluded.name_id,
                    name_id_format = excluded.name_id_format, slo_url = excluded.slo_url, slo_binding = excluded.slo_binding,
                    signed_in_at = excluded.signed_in_at, expires_at = greatest(saml_session_participants.expires_at, excluded.expires_at)
                """, [.text(participant.sessionID), .text(participant.providerName), .text(participant.nameID),
                      .text(participant.nameIDFormat), participant.sloURL.map(PGValue.text), .text(participant.sloBinding.rawValue),
                      participant.signedInAt.pgValue, expiresAt.pgValue])
        }
    }

    public func participants(sessionID: String) throws(StoreError) -> [SAMLSessionParticipant] {
        try runner.read { connection -> [SAMLSessionParticipant] in
            let result = try connection.query("""
                SELECT provider_name, name_id, name_id_format, slo_url, slo_binding, \(micros("signed_in_at"))
                FROM saml_session_participants WHERE session_id = $1 AND expires_at > now() ORDER BY provider_name
                """, [.text(sessionID)])
            var participants: [SAMLSessionParticipant] = []
            for row in result.rows.indices {
                participants.append(SAMLSessionParticipant(
                    sessionID: sessionID, providerName: try result.text(row, "provider_name"),
                    nameID: try result.text(row, "name_id"), nameIDFormat: try result.text(row, "name_id_format"),
                    sloURL: result.value(row, "slo_url"),
                    sloBinding: SAMLBinding(rawValue: result.value(row, "slo_binding") ?? "") ?? .redirect,
                    signedInAt: try result.timestamp(row, "signed_in_at")))
            }
            return participants
        }
    }

    public func forget(sessionID: String) throws(StoreError) {
        try runner.write { connection in
            try connection.query("DELETE FROM saml_session_participants WHERE session_id = $1 OR expires_at <= now()",
                                 [.text(sessionID)])
        }
    }
}
