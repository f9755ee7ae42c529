using System.Text;

namespace CortexHybrid.Cli.Server;

/// <summary>
/// A write-only stream over standard output that passes on complete lines only, each under one
/// lock: two writers (the MCP server, the <see cref="JsonRpcLineGuard"/>) never interleave inside
/// a line, whatever pieces each writes it in.
/// </summary>
internal sealed class LineAtomicStream(Stream inner) : Stream
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly MemoryStream _pending = new();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Writes one whole line (a newline is added) between the lines of other writers.</summary>
    public async Task WriteLineAsync(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await inner.WriteAsync(bytes).ConfigureAwait(false);
            await inner.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ReadOnlyMemory<byte> rest = buffer;
            while (rest.Span.IndexOf((byte)'\n') is int newline and >= 0)
            {
                // The pending start of this line, then its end: written together, then flushed.
                if (_pending.Length > 0)
                {
                    await inner.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken).ConfigureAwait(false);
                    _pending.SetLength(0);
                }

                await inner.WriteAsync(rest[..(newline + 1)], cancellationToken).ConfigureAwait(false);
                await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
                rest = rest[(newline + 1)..];
            }

            _pending.Write(rest.Span);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Lines are flushed as they complete; a partial line waits for its end.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
            _pending.Dispose();
        }

        base.Dispose(disposing);
    }
}
