using System.Globalization;
using CortexHybrid.Memory.Stores;
using CortexHybrid.Tests.Support;
using static CortexHybrid.Tests.Memory.Stores.StoreTestData;

namespace CortexHybrid.Tests.Memory.Stores;

public sealed class SqliteMemoryStoreLockTests
{
    [Fact]
    public async Task A_second_instance_in_this_process_is_refused_until_the_first_is_disposed()
    {
        using var directory = new TemporaryDirectory();
        SqliteMemoryStore first = await OpenAsync(directory.Path);
        await first.AddAsync([Draft("a")]);

        await using (var second = new SqliteMemoryStore(directory.Path))
        {
            MemoryStoreUnavailableException e = await Assert.ThrowsAsync<MemoryStoreUnavailableException>(() => second.OpenAsync(Model));
            Assert.Contains($"locked by another instance (pid {Environment.ProcessId})", e.Message, StringComparison.Ordinal);
            Assert.Contains(directory.Path, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e.Message);

            // The refused instance did not disturb the holder.
            Assert.Equal(1, await first.CountAsync());
            await first.AddAsync([Draft("b")]);
            await first.DisposeAsync();

            // The lock is free: the same instance, refused before, opens now.
            Assert.Equal(2, (await second.OpenAsync(Model)).Count);
        }

        string lockFile = Path.Combine(directory.Path, "memory.lock");
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), File.ReadAllText(lockFile).Trim());
    }

    [Fact]
    public async Task A_store_held_by_another_process_is_refused_naming_its_pid_and_free_once_it_closes()
    {
        using var directory = new TemporaryDirectory();
        using StoreChild child = StoreChild.Start("store-hold", directory.Path, Model.Id, Model.Dimensions.ToString(CultureInfo.InvariantCulture));
        Assert.Equal($"open {child.Pid}", await child.ReadLineAsync());

        await using (var refused = new SqliteMemoryStore(directory.Path))
        {
            MemoryStoreUnavailableException e = await Assert.ThrowsAsync<MemoryStoreUnavailableException>(() => refused.OpenAsync(Model));
            Assert.Contains($"locked by another instance (pid {child.Pid})", e.Message, StringComparison.Ordinal);
        }

        await child.WriteLineAsync("close");
        Assert.Equal("closed", await child.ReadLineAsync());
        Assert.Equal(0, await child.WaitForExitAsync());

        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
        Assert.Equal(0, await store.CountAsync());
    }

    [Fact]
    public async Task Another_process_is_refused_a_store_this_process_holds()
    {
        using var directory = new TemporaryDirectory();
        await using SqliteMemoryStore store = await OpenAsync(directory.Path);

        using StoreChild child = StoreChild.Start("store-hold", directory.Path, Model.Id, Model.Dimensions.ToString(CultureInfo.InvariantCulture));
        string? line = await child.ReadLineAsync();
        Assert.Equal(3, await child.WaitForExitAsync());
        Assert.NotNull(line);
        Assert.StartsWith("unavailable ", line, StringComparison.Ordinal);
        Assert.Contains($"locked by another instance (pid {Environment.ProcessId})", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_lock_of_a_killed_process_is_free()
    {
        using var directory = new TemporaryDirectory();
        using StoreChild child = StoreChild.Start("store-hold", directory.Path, Model.Id, Model.Dimensions.ToString(CultureInfo.InvariantCulture));
        Assert.Equal($"open {child.Pid}", await child.ReadLineAsync());

        child.Kill();

        await using SqliteMemoryStore store = await OpenAsync(directory.Path);
        Assert.Equal(0, await store.CountAsync());
    }
}
