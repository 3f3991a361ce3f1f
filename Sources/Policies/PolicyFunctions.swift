import Expressions

extension ExpressionFunctions {
    /// The standard functions plus the policy helpers:
    /// - `user.is_in_group("finance")` (or `is_in_group(user, "finance")`): the name is in `user.groups`.
    public static let policies: ExpressionFunctions = ExpressionFunctions.standard
        .registering("is_in_group") { args throws(ExpressionFunctionError) in
            guard args.count == 2 else { throw .type("takes a user and a group name") }
            guard case .map(let user) = args[0], case .list(let groups)? = user["groups"] else {
                throw .type("needs a user with groups, got \(args[0].typeName)")
            }
            guard case .string(let name) = args[1] else { throw .type("the group name must be a string") }
            return .bool(groups.contains(.string(name)))
        }
}
