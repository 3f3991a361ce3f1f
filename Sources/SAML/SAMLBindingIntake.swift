import Web

/// The bindings' intake from a web request: the raw query (Redirect) or the form body (POST),
/// decoded by `SAMLMessageDecoding`.
enum SAMLBindingIntake {
    static func redirect(_ request: Request, parameter: String) throws(SAMLRequestError) -> ReceivedMessage {
        try SAMLMessageDecoding.redirect(rawQuery: request.rawQuery, parameter: parameter)
    }

    static func post(_ request: Request, parameter: String) throws(SAMLRequestError) -> ReceivedMessage {
        guard request.body.count <= SAMLMessageDecoding.maxEncodedBytes + 4096 else {
            throw SAMLRequestError("too_large", "The message is too large.")
        }
        let form: FormData
        do { form = try request.form() } catch {
            throw SAMLRequestError("malformed_form", "The form body is not application/x-www-form-urlencoded.")
        }
        return try SAMLMessageDecoding.post(fields: form.fields, parameter: parameter)
    }
}
