using System.Runtime;

namespace Glimpse.Demo.Training;

/// <summary>
/// Runs libtorch work with the .NET garbage collector held off. TorchSharp 0.107 passes libtorch the Scalars it makes
/// by implicit conversion (the alpha of every <c>a + b</c>) without keeping them alive during the native call, so a
/// collection started by any thread at that moment can finalize the Scalar while libtorch reads it: "Expected false to
/// be true" from c10::Scalar::toFloat, or a wrong value. Long runs hit it (a training run did after ~400 steps). Inside
/// a no-GC region no collection starts unless the region's allocation budget is spent, which work of this size does not
/// spend; collections happen between the pieces, when no native call is in flight.
/// </summary>
public static class CollectorPause
{
    private const long Budget = 256L << 20;

    public static T Run<T>(Func<T> work)
    {
        bool paused = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(Budget);
        try
        {
            return work();
        }
        finally
        {
            // Spending the budget ends the region by itself; only a region still open is ended here.
            if (paused && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }

    public static void Run(Action work) => Run(() =>
    {
        work();
        return 0;
    });
}
