using TorchSharp;
using static TorchSharp.torch;
using Glimpse.Core.Methods;

namespace Glimpse.Explain.Baselines;

/// <summary>
/// Attention Grad-CAM of one decoder layer (the last by default): mean over heads of ReLU(∂z_t/∂A) ⊙ A, row q_t,
/// columns V, averaged over the answer.
/// </summary>
public sealed class AttentionGradCamExplainer(int? layer = null, int chunkSize = 0) : IExplainer
{
    public string Method => "gradcam";
    public bool Approximate => false;

    public Relevance Explain(ExplanationSubject subject, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        subject.Validate();
        int layers = subject.Model.Config.Text.NumLayers;
        int chosen = AttentionOnlyPass.ResolveLayer(layer, layers);
        int chunk = chunkSize > 0 ? chunkSize : GradientSweep.ChunkFor(2L << 30, GradientSweep.BytesPerBatchRow(subject, keptLayers: 0), subject.AnswerLength);
        var consumer = new Consumer(subject, chosen);
        var outcome = GradientSweep.Run(subject, consumer, SweepMode.Auto, chunk, GradientTarget.Logit, progress, cancellation);
        return AttentionOnlyPass.Uniform([$"layer={chosen}", "heads=mean", $"gradients={outcome.Gradients}"], consumer.Maps.ToArray(),
            outcome.Probabilities, outcome.ForwardSeconds, outcome.GradientSeconds);
    }

    private sealed class Consumer(ExplanationSubject subject, int layer) : IGradientConsumer
    {
        private int _first, _count;
        public List<double[]> Maps { get; } = [];

        public void BeginChunk(int first, int count) => (_first, _count) = (first, count);

        public void Layer(int l, Tensor attention, Tensor gradient)
        {
            if (l != layer) return;
            var cam = (gradient.clamp_min(0) * attention).mean([1]);                                       // [C, N, N]
            var rows = cam.index([torch.arange(_count), torch.tensor(subject.QueryPositions[_first..(_first + _count)])]);
            Maps.AddRange(AttentionOnlyPass.RowsOnImage(rows, subject));
        }

        public void EndChunk() { }
    }
}
