using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// Kestrel with minimal APIs: the model loads first (so /health is true as soon as anything listens), then the routes
/// listen. SIGTERM or Ctrl-C stops accepting connections, lets the requests in flight finish (up to 30 s), finishes the
/// queue and exits 0.
/// </summary>
internal static class ServeHost
{
    public static async Task<int> RunAsync(ServeSettings settings, CancellationToken cancellation)
    {
        var permits = new InputPermits(settings.MaxConcurrentRequests);
        var metrics = new ServeMetrics(() => permits.InFlight);
        using var engine = ServeEngine.Load(settings, metrics);
        var addresses = Addresses(settings.Hostname);
        // Content root = the program's folder: an appsettings.json in the user's working folder must not add endpoints.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders(); // one line on stderr when listening; errors go to the clients
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = settings.PayloadLimit;
            foreach (var address in addresses)
                kestrel.Listen(address, settings.Port);
        });
        if (settings.CorsAllowOrigins.Count > 0)
            builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy =>
                policy.WithOrigins([.. settings.CorsAllowOrigins]).WithMethods("GET", "POST").WithHeaders("content-type", "authorization")));
        await using var app = builder.Build();
        if (settings.CorsAllowOrigins.Count > 0)
            app.UseCors();
        app.Use(Unexpected);
        if (settings.ApiKey is { } key)
            app.Use(Authorization(key));
        var api = new ServeApi(engine, settings, metrics, permits);
        TeiRoutes.Map(app, api);
        OpenAiRoutes.Map(app, api);
        InfoRoutes.Map(app, api);
        app.MapFallback(context => ServeApi.WriteErrorAsync(context,
            new ApiError(StatusCodes.Status404NotFound, "validation", $"No route {context.Request.Method} {context.Request.Path}; GET /docs lists the routes."), IsOpenAi(context)));
        try
        {
            await app.StartAsync(cancellation);
        }
        catch (IOException e)
        {
            throw new CliException($"--hostname {settings.Hostname} --port {settings.Port}: cannot listen ({e.Message}); choose another port or stop what holds it.");
        }
        Console.Error.WriteLine($"serve: listening on {string.Join(", ", app.Urls)} (model {settings.Model}, {engine.DeviceName}, max input {engine.Tokenizer.MaxLength} tokens)");
        await app.WaitForShutdownAsync(cancellation);
        Console.Error.WriteLine("serve: stopped after the requests in flight were answered");
        return 0;
    }

    private static bool IsOpenAi(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/v1") || context.Request.Path.StartsWithSegments("/embeddings");

    /// <summary>The addresses of <paramref name="hostname"/>: an IP as it is, localhost as the loopback, else DNS's answer.</summary>
    private static IPAddress[] Addresses(string hostname)
    {
        if (IPAddress.TryParse(hostname, out var ip))
            return [ip];
        if (hostname.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return [IPAddress.Loopback];
        try
        {
            return Dns.GetHostAddresses(hostname);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new CliException($"--hostname {hostname}: not an address this machine can resolve ({e.Message}); give an IP such as 127.0.0.1 or 0.0.0.0.");
        }
    }

    /// <summary>A bug must still answer JSON and keep the server up; it is logged for a report.</summary>
    private static async Task Unexpected(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            Console.Error.WriteLine($"serve: {context.Request.Method} {context.Request.Path} failed: {e}");
            await ServeApi.WriteErrorAsync(context, new ApiError(StatusCodes.Status500InternalServerError, "backend", $"Internal error: {e.Message}"), IsOpenAi(context));
        }
    }

    /// <summary><c>--api-key</c>: every route but /health wants <c>Authorization: Bearer KEY</c> (compared in constant time).</summary>
    private static Func<HttpContext, RequestDelegate, Task> Authorization(string key)
    {
        var expected = Encoding.UTF8.GetBytes("Bearer " + key);
        return async (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (context.Request.Path == "/health" || CryptographicOperations.FixedTimeEquals(given, expected))
            {
                await next(context);
                return;
            }
            await ServeApi.WriteErrorAsync(context, new ApiError(StatusCodes.Status401Unauthorized, "unauthorized",
                "Missing or wrong API key; send the header 'Authorization: Bearer KEY' with the server's --api-key."), IsOpenAi(context));
        };
    }
}
