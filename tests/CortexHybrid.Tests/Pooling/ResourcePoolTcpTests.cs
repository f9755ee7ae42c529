using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CortexHybrid.Pooling;
using Microsoft.Extensions.Time.Testing;

namespace CortexHybrid.Tests.Pooling;

/// <summary>The pool over real TCP connections to a loopback echo server the test runs.</summary>
public sealed class ResourcePoolTcpTests : IAsyncLifetime
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<TcpClient> _accepted = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _server = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _listener.Start();
        _server = Task.Run(ServeAsync);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _server;
        foreach (TcpClient client in _accepted)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task The_health_check_finds_a_connection_the_server_dropped_and_the_pool_replaces_it()
    {
        var factory = new LoopbackConnectionFactory((IPEndPoint)_listener.LocalEndpoint);
        var time = new FakeTimeProvider();
        var options = new ResourcePoolOptions { MaxSize = 4, MinSize = 2, HealthCheckInterval = TimeSpan.FromSeconds(30) };
        await using ResourcePool<TcpClient> pool = await ResourcePool<TcpClient>.CreateAsync(factory, options, time);
        await WaitForAcceptedAsync(2);

        // The server hangs up on the first connection it accepted.
        Assert.True(_accepted.TryDequeue(out TcpClient? dropped));
        dropped.Dispose();

        time.Advance(options.HealthCheckInterval);
        await pool.Maintenance;

        PoolStatistics statistics = pool.GetStatistics();
        Assert.Equal((2, 1L, 3L, 1L), (statistics.Idle, statistics.FailedHealthChecks, statistics.TotalCreated, statistics.TotalDestroyed));
        await WaitForAcceptedAsync(2);
        for (int i = 0; i < 2; i++)
        {
            await using PooledResource<TcpClient> connection = await pool.AcquireAsync();
            Assert.True(await LoopbackConnectionFactory.EchoesAsync(connection.Value, CancellationToken.None));
        }
    }

    [Fact]
    public async Task ValidateOnAcquire_never_hands_out_a_dead_connection()
    {
        var factory = new LoopbackConnectionFactory((IPEndPoint)_listener.LocalEndpoint);
        var options = new ResourcePoolOptions { MaxSize = 2, MinSize = 1, ValidateOnAcquire = true };
        await using ResourcePool<TcpClient> pool = await ResourcePool<TcpClient>.CreateAsync(factory, options);
        await WaitForAcceptedAsync(1);
        Assert.True(_accepted.TryDequeue(out TcpClient? dropped));
        dropped.Dispose();

        await using PooledResource<TcpClient> connection = await pool.AcquireAsync();
        Assert.True(await LoopbackConnectionFactory.EchoesAsync(connection.Value, CancellationToken.None));
        Assert.Equal(1L, pool.GetStatistics().FailedHealthChecks);
        Assert.Equal(2, factory.Connects);
    }

    private async Task WaitForAcceptedAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (_accepted.Count < count)
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _accepted.Enqueue(client);
            _ = Task.Run(() => EchoAsync(client));
        }
    }

    private async Task EchoAsync(TcpClient client)
    {
        var buffer = new byte[64];
        try
        {
            NetworkStream stream = client.GetStream();
            int read;
            while ((read = await stream.ReadAsync(buffer, _stop.Token)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The test dropped this connection, or is shutting down.
        }
    }

    /// <summary>Connections to the echo server; healthy when a byte makes the round trip.</summary>
    private sealed class LoopbackConnectionFactory(IPEndPoint server) : IResourceFactory<TcpClient>
    {
        private int _connects;

        public int Connects => Volatile.Read(ref _connects);

        public static async Task<bool> EchoesAsync(TcpClient client, CancellationToken cancellationToken)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                NetworkStream stream = client.GetStream();
                await stream.WriteAsync(new byte[] { 42 }, timeout.Token);
                var reply = new byte[1];
                return await stream.ReadAsync(reply, timeout.Token) == 1 && reply[0] == 42;
            }
            catch (IOException)
            {
                return false;
            }
        }

        public async ValueTask<TcpClient> CreateAsync(CancellationToken cancellationToken)
        {
            var client = new TcpClient();
            await client.ConnectAsync(server, cancellationToken);
            Interlocked.Increment(ref _connects);
            return client;
        }

        public async ValueTask<bool> ValidateAsync(TcpClient resource, CancellationToken cancellationToken) =>
            await EchoesAsync(resource, cancellationToken);

        public ValueTask ResetAsync(TcpClient resource, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DestroyAsync(TcpClient resource)
        {
            resource.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
