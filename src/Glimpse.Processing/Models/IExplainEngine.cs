using Glimpse.Core.Methods;
using Glimpse.Core.Results;
using Glimpse.Explain;
using Glimpse.Pipeline.Models;

namespace Glimpse.Processing.Models;

/// <summary>Runs one explain job on a named model: generate the answer, explain it (<see cref="ExplainRun"/>).</summary>
public interface IExplainEngine
{
    Task<ExplainOutcome> ExplainAsync(string modelId, ExplainRequest request, CancellationToken cancellationToken);
}
