using Glimpse.Explain;

namespace Glimpse.Processing.Models;

/// <summary>Runs one explain job on a named model: generate the answer, explain it (<see cref="ExplainRun"/>).</summary>
public interface IExplainEngine
{
    Task<ExplainOutcome> ExplainAsync(string modelId, ExplainRequest request, CancellationToken cancellationToken);
}
