import Federation
import HTTP
import Net

/// Federation's outbound calls over `Net.HTTPClient`: connect 5 s, total 15 s, 1 MiB at most,
/// no redirects followed (an upstream endpoint that moves is a configuration error).
struct NetUpstreamTransport: UpstreamTransport {
    let client: HTTPClient

    init(caFile: String? = nil) throws {
        client = try HTTPClient(options: HTTPClient.Options(connectTimeout: .seconds(5), totalTimeout: .seconds(15),
                                                            maxResponseBytes: 1 << 20, maxRedirects: 0, caFile: caFile))
    }

    func get(_ url: String, bearer: String?) throws(FederationError) -> UpstreamResponse {
        var headers = HTTPHeaders()
        headers.add("Accept", "application/json")
        if let bearer { headers.add("Authorization", "Bearer " + bearer) }
        return try send { () throws(HTTPClientError) in try client.get(url, headers: headers) }
    }

    func postForm(_ url: String, _ form: [(String, String)]) throws(FederationError) -> UpstreamResponse {
        var headers = HTTPHeaders()
        headers.add("Accept", "application/json")
        headers.add("Content-Type", "application/x-www-form-urlencoded")
        return try send { () throws(HTTPClientError) in try client.post(url, headers: headers, body: Array(formEncode(form).utf8)) }
    }

    private func send(_ call: () throws(HTTPClientError) -> HTTPClient.Response) throws(FederationError) -> UpstreamResponse {
        do {
            let response = try call()
            return UpstreamResponse(status: response.status.code, body: response.body)
        } catch {
            throw .upstreamUnreachable(error.description)
        }
    }
}
