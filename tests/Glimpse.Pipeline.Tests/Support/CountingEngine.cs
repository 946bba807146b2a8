using Glimpse.Explain;
using Glimpse.Processing.Models;

namespace Glimpse.Pipeline.Tests;

/// <summary>
/// Wraps an engine to count the explain runs a test caused, and to put something in a run's place or before it
/// (a failure, a wait, another delivery's write).
/// </summary>
public sealed class CountingEngine(IExplainEngine inner) : IExplainEngine
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Runs before the real engine; an exception it throws is the run's.</summary>
    public Func<CancellationToken, Task>? Before { get; set; }

    public async Task<ExplainOutcome> ExplainAsync(string modelId, ExplainRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (Before is { } before) await before(cancellationToken);
        return await inner.ExplainAsync(modelId, request, cancellationToken);
    }
}
