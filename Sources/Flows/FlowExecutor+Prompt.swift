import Expressions
import Store

/// The prompt stage: custom fields checked one by one; answers optionally merged into the
/// user's attributes.
extension FlowExecutor {
    public static let consentDeclinedMessage = "You declined."
    public static let invalidValueMessage = "This value is not valid."
    public static let tooLongMessage = "This value is too long."

    func prompt(_ stage: PromptStage, binding: StageBinding, flow: Flow, plan: inout FlowPlan, input: FlowInput,
                context: FlowContext) throws(StoreError) -> StageResult {
        guard case .prompt(let raw) = input else {
            return .stop(FlowOutcome(step: .challenge(.prompt(fields: stage.fields, values: [:], flowTitle: flow.title),
                                                      errors: []), plan: plan))
        }
        var values: [String: String] = [:]
        var errors: [FieldError] = []
        for field in stage.fields {
            let value = Self.trimmed(raw[field.key] ?? "")
            values[field.key] = String(value.prefix(field.maxLength + 1))
            if let problem = Self.problem(value, field) {
                errors.append(FieldError(field: field.key, message: problem.message, code: problem.code))
            }
        }
        guard errors.isEmpty else {
            return .stop(FlowOutcome(step: .challenge(.prompt(fields: stage.fields, values: values, flowTitle: flow.title),
                                                      errors: errors), plan: plan))
        }
        if stage.writeToAttributes {
            guard let user = try verifiedUser(&plan, context) else {
                return .stop(FlowOutcome(step: .challenge(.accessDenied(message: Self.signInFirstMessage), errors: []), plan: nil))
            }
            var attributes: [String: ExprValue] = [:]
            if case .map(let stored)? = try? ExprValue(jsonText: user.attributes.text) { attributes = stored }
            for field in stage.fields {
                guard let value = values[field.key], !value.isEmpty else { continue }
                attributes[field.key] = .string(value)
            }
            var updated = user
            updated.attributes = JSONText(ExprValue.map(attributes).jsonText())
            _ = try users.updateUser(updated)
            try events.appendEvent(NewAuditEvent(
                actorUserID: user.id, action: "user_attributes_prompted", clientIP: context.clientIP, outcome: "success",
                context: Self.eventContext(["flow": flow.slug, "stage": binding.name,
                                            "fields": stage.fields.map(\.key).joined(separator: ",")])))
        }
        return .advance
    }

    static func problem(_ value: String, _ field: PromptField) -> (message: String, code: String)? {
        if value.isEmpty { return field.required ? (requiredMessage, "required") : nil }
        if value.count > field.maxLength { return (tooLongMessage, "max_length") }
        let valid: Bool
        switch field.kind {
        case .text:
            valid = !value.unicodeScalars.contains { $0.properties.generalCategory == .control }
        case .email:
            let parts = value.split(separator: "@", omittingEmptySubsequences: false)
            valid = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
                && !parts[1].hasSuffix(".") && !value.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 }
        case .number:
            valid = value.utf8.count <= 18 && Int64(value) != nil
        case .phone:
            // E.164: "+", then 8 to 15 digits (spaces and dashes allowed between them).
            let digits = value.unicodeScalars.filter { $0 != " " && $0 != "-" }
            valid = digits.first == "+" && (9...16).contains(digits.count) && digits.dropFirst().allSatisfy { ("0"..."9").contains($0) }
        }
        guard valid else { return (invalidValueMessage, "invalid") }
        if let pattern = field.pattern {
            guard let matches = ExpressionFunctions.standard["matches"],
                  case .bool(true)? = try? matches([.string(value), .string("^(" + pattern + ")$")]) else {
                return (invalidValueMessage, "invalid")
            }
        }
        return nil
    }

    static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
