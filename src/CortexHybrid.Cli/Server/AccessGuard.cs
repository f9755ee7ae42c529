using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CortexHybrid.Cli.Server;

/// <summary>
/// The HTTP server's door: a browser page of another origin is refused (403: the MCP Streamable
/// HTTP transport's defence against DNS rebinding), and when an access token is set every request
/// must carry it as <c>Authorization: Bearer</c>, compared in constant time: <c>/mcp</c> answers 401
/// without it, and <c>/health</c> answers only its status (so a load balancer's probe needs no
/// secret, and nothing else leaks). Request bodies over the limit are refused by Kestrel itself
/// (413). A refused request reaches nothing behind the door. A request the MCP transport answers
/// with 400 (a malformed JSON-RPC body) is counted as <c>protocol</c>, as over stdio.
/// </summary>
internal sealed class AccessGuard(RequestDelegate next, AccessGuardOptions options)
{
    private readonly byte[]? _tokenHash = options.Token is { Length: > 0 } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token)) : null;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!OriginAllowed(context.Request))
        {
            options.Refused?.Invoke("origin");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("Forbidden: requests from this origin are not accepted.\n");
            return;
        }

        bool authorized = _tokenHash is null || TokenMatches(context.Request);
        context.Items[AuthorizedItem] = authorized;
        bool mcp = context.Request.Path.StartsWithSegments("/mcp", StringComparison.OrdinalIgnoreCase);
        if (!authorized && mcp)
        {
            options.Refused?.Invoke("authentication");
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsync("Unauthorized: send the server's access token as Authorization: Bearer <token>.\n");
            return;
        }

        try
        {
            await next(context);
            if (mcp && context.Response.StatusCode == StatusCodes.Status400BadRequest)
            {
                // The transport's own answer to a body that is not JSON-RPC: the client's mistake,
                // counted by category like every other.
                options.Refused?.Invoke("protocol");
            }
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            // Kestrel's body limit (413) or a malformed request, met while the handler read the
            // body: answered here, counted, and not logged as the server's failure.
            options.Refused?.Invoke(exception.StatusCode == StatusCodes.Status413PayloadTooLarge ? "too_large" : "protocol");
            context.Response.StatusCode = exception.StatusCode;
            await context.Response.WriteAsync(exception.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"Payload Too Large: a request body is at most {options.MaxRequestBytes:N0} bytes.\n"
                : "Bad Request.\n");
        }
    }

    /// <summary>The <see cref="HttpContext.Items"/> key holding whether the request carried the token (or none is needed).</summary>
    public const string AuthorizedItem = "cortex.authorized";

    /// <summary>Whether the request carried the access token, or the server needs none.</summary>
    public static bool IsAuthorized(HttpContext context) => context.Items.TryGetValue(AuthorizedItem, out object? value) && value is true;

    /// <summary>No Origin (a non-browser client), the server's own origin, or one allowed explicitly.</summary>
    private bool OriginAllowed(HttpRequest request)
    {
        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri))
        {
            return false;
        }

        string normalized = uri.GetLeftPart(UriPartial.Authority);
        if (options.AllowedOrigins.Contains(normalized, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        // The page's origin must be this server as the browser reached it: same host and port,
        // with a loopback server only reachable from loopback names.
        string host = request.Host.Host;
        int port = request.Host.Port ?? (request.IsHttps ? 443 : 80);
        bool sameAuthority = string.Equals(uri.Host, host, StringComparison.OrdinalIgnoreCase) && uri.Port == port;
        return sameAuthority && (!options.LoopbackOnly || IsLoopbackName(uri.Host));
    }

    private bool TokenMatches(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hashes of equal length, compared in constant time: neither the token's length nor its
        // first differing byte shows in the timing.
        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(7).Trim().ToString()));
        return CryptographicOperations.FixedTimeEquals(given, _tokenHash);
    }

    public static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));
}
