using TorchSharp;
using static TorchSharp.torch;
using Glimpse.Core.Methods;

namespace Glimpse.Explain.Baselines;

/// <summary>
/// Gradient relevancy of Chefer et al. 2021 ("generic attention-model explainability", the rule LVLM-Interpret uses):
/// per answer token, Ē_l = mean_h ReLU(∂z_t/∂A_l ⊙ A_l); R = I, then R ← R + Ē_l R for l = 0 … L−1; row q_t.
/// Pushed as a row vector deepest layer first: r ← r + r Ē_l.
/// </summary>
public sealed class CheferExplainer(int chunkSize = 0, long memoryBudgetBytes = 2L << 30) : IExplainer
{
    public string Method => "chefer";
    public bool Approximate => false;

    public Relevance Explain(ExplanationSubject subject, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        subject.Validate();
        int chunk = chunkSize > 0 ? chunkSize
            : GradientSweep.ChunkFor(memoryBudgetBytes, GradientSweep.BytesPerBatchRow(subject, keptLayers: subject.Model.Config.Text.NumLayers), subject.AnswerLength);
        var consumer = new Consumer(subject);
        var outcome = GradientSweep.Run(subject, consumer, SweepMode.Auto, chunk, GradientTarget.Logit, progress, cancellation);
        using var rows = torch.cat(consumer.Rows, 0);
        foreach (var r in consumer.Rows) r.Dispose();
        return AttentionOnlyPass.Uniform(["target=logit", "heads=mean", $"gradients={outcome.Gradients}"], AttentionOnlyPass.RowsOnImage(rows, subject),
            outcome.Probabilities, outcome.ForwardSeconds, outcome.GradientSeconds);
    }

    private sealed class Consumer(ExplanationSubject subject) : IGradientConsumer
    {
        private readonly SortedDictionary<int, Tensor> _layers = [];
        private int _first, _count;
        public List<Tensor> Rows { get; } = [];

        public void BeginChunk(int first, int count) => (_first, _count) = (first, count);

        public void Layer(int layer, Tensor attention, Tensor gradient) =>
            _layers[layer] = (gradient * attention).clamp_min(0).mean([1]).DetachFromDisposeScope();          // Ē_l [C, N, N]

        public void EndChunk()
        {
            using var scope = NewDisposeScope();
            var layers = _layers.Values.ToList();
            // r ← r + r Ē_l is the shared propagation with ½α = 1.
            var alpha = torch.full(_count, layers.Count, 2.0, dtype: layers[0].dtype);
            Rows.Add(GlimpseAlgebra.Propagate(layers, alpha, subject.QueryPositions[_first..(_first + _count)]).DetachFromDisposeScope());
            foreach (var l in layers) l.Dispose();
            _layers.Clear();
        }
    }
}
