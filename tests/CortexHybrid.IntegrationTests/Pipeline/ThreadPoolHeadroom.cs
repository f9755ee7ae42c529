namespace CortexHybrid.IntegrationTests.Pipeline;

/// <summary>
/// Raises the thread pool's minimum to 16 workers for the timing tests. On 2 cores the pool
/// starts with 2 workers, and in the first second or so of a run the test host keeps them busy:
/// a continuation then waits for the pool to inject a thread, and a 50 ms <see cref="Task.Delay(int)"/>
/// was measured at 850-950 ms with none of this code involved. The test is of the monitor, not of
/// the host's start-up.
/// </summary>
public sealed class ThreadPoolHeadroom
{
    public ThreadPoolHeadroom()
    {
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), completionPorts);
    }
}
