using CortexHybrid.Metrics;

namespace CortexHybrid.Hosting;

/// <summary>
/// A registered component the <see cref="PerformanceMonitor"/> includes in its reports and health
/// score when dependency injection creates it: each <c>AddTieredCache</c>, <c>AddResourcePool</c>
/// and <c>AddVectorIndex</c> registers one.
/// </summary>
internal sealed class MonitorAttachment(Action<PerformanceMonitor, IServiceProvider> attach)
{
    public void AttachTo(PerformanceMonitor monitor, IServiceProvider services) => attach(monitor, services);
}
