using System.Diagnostics;
using Glimpse.Core.Methods;
using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain;

/// <summary>Receives the answer tokens' attention gradients, one layer at a time, and reduces them at once.</summary>
/// <remarks>
/// On the CPU, <see cref="Layer"/> and <see cref="EndChunk"/> run on the sweep's reduction thread, not the caller's
/// (one thread for all of them, one call at a time, while the caller waits): a consumer must not rely on the caller's
/// thread-local state.
/// </remarks>
public interface IGradientConsumer
{
    /// <summary>A chunk of answer tokens [first, first + count) starts.</summary>
    void BeginChunk(int first, int count);
    /// <summary>Layer <paramref name="layer"/>'s gradients for the chunk, deepest layer first. Neither tensor may be kept.</summary>
    /// <param name="attention">A_l [1, H, N, N]</param>
    /// <param name="gradient">g_l [count, H, N, N] (row b belongs to token first + b), or [1, H, N, N] for a summed target</param>
    void Layer(int layer, Tensor attention, Tensor gradient);
    void EndChunk();
}

/// <summary>How the per-token gradients are produced.</summary>
public enum SweepMode
{
    /// <summary>Batched on an accelerator, where one large backward keeps the device busy; the per-token loop on the
    /// CPU, where a batch of C copies costs C forwards and the batch-1 products already run at full rate (measured by
    /// <c>glimpse bench explain</c>).</summary>
    Auto,
    /// <summary>A batch of C copies of the sequence per forward; row b back-propagates only token b (one backward per chunk).</summary>
    Batched,
    /// <summary>One batch-1 forward, one backward per token (the plain loop; for comparison).</summary>
    PerToken,
    /// <summary>One backward of Σ_t target_t (GLIMPSE's approximate fast mode).</summary>
    Summed,
}

/// <summary>
/// Runs the teacher-forced forwards and backwards that give every answer token's gradient with respect to every
/// decoder layer's attention, handing each layer's gradient to a consumer as backward produces it. Memory in flight:
/// one layer's gradient for a chunk, plus what the consumer keeps.
/// </summary>
public static class GradientSweep
{
    /// <param name="Gradients">how they were produced, for the result's options (e.g. "batched, 8 tokens per backward")</param>
    /// <param name="ReductionSeconds">the part of <paramref name="GradientSeconds"/> spent in the consumer (reducing each
    /// layer inside backward, and ending each chunk): what the explainer adds to the bare backwards</param>
    public sealed record Outcome(double[] Probabilities, double ForwardSeconds, double GradientSeconds, string Gradients, double ReductionSeconds);

    public static Outcome Run(ExplanationSubject subject, IGradientConsumer consumer, SweepMode mode, int chunkSize, GradientTarget target,
        IProgress<double>? progress, CancellationToken cancellation)
    {
        subject.Validate();
        int tokens = subject.AnswerLength;
        double[] probabilities = new double[tokens];
        var forward = new Stopwatch();
        var backward = new Stopwatch();
        var reduction = new Stopwatch();
        if (mode == SweepMode.Auto) mode = subject.Model.Device.type == DeviceType.CPU ? SweepMode.PerToken : SweepMode.Batched;
        var runConsumer = ConsumerRunner(subject.Model.Device);
        int chunk = mode == SweepMode.Batched ? Math.Clamp(chunkSize, 1, tokens) : tokens;

        for (int first = 0; first < tokens; first += chunk)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(chunk, tokens - first);
            int batch = mode == SweepMode.Batched ? count : 1;
            forward.Start();
            using var pass = TeacherForcedPass.Run(subject.Model, subject.SequenceIds, subject.Image, new TeacherForcedOptions
            {
                TrackGradients = true,
                GradientTaps = true,
                Batch = batch,
                ImageFeatures = subject.ImageFeatures,
                LogitPositions = subject.QueryPositions,   // logits row t is token t's q_t
            });
            forward.Stop();
            if (first == 0) ReadProbabilities(pass, subject, probabilities);

            backward.Start();
            using (var scope = NewDisposeScope())
            {
                var scores = Scores(pass, subject, first, count, batched: mode == SweepMode.Batched, target);   // [count]
                switch (mode)
                {
                    case SweepMode.Batched:
                        Backward(pass, consumer, runConsumer, reduction, first, count, scores.sum(), retain: false);
                        break;
                    case SweepMode.Summed:
                        Backward(pass, consumer, runConsumer, reduction, 0, tokens, scores.sum(), retain: false);
                        break;
                    case SweepMode.PerToken:
                        for (int t = 0; t < count; t++)
                        {
                            cancellation.ThrowIfCancellationRequested();
                            Backward(pass, consumer, runConsumer, reduction, t, 1, scores[t], retain: t < count - 1);
                            progress?.Report((t + 1.0) / tokens);
                        }
                        break;
                }
            }
            backward.Stop();
            progress?.Report(Math.Min(1.0, (first + count) / (double)tokens));
        }
        string how = mode switch
        {
            SweepMode.Batched => $"batched, {chunk} tokens per backward",
            SweepMode.Summed => "one backward of the summed targets",
            _ => "one backward per token",
        };
        return new Outcome(probabilities, forward.Elapsed.TotalSeconds, backward.Elapsed.TotalSeconds, how, reduction.Elapsed.TotalSeconds);
    }

    private static void Backward(TeacherForcedPass pass, IGradientConsumer consumer, Action<Action> runConsumer, Stopwatch reduction,
        int first, int count, Tensor target, bool retain)
    {
        consumer.BeginChunk(first, count);
        pass.Backpropagate([target], (layer, gradient) =>
        {
            reduction.Start();
            // The attention A is in the graph (it requires grad): were autograd recording here, every product with it
            // would keep its operands (one [C, H, N, N] copy per layer per token) for as long as anything derived from it
            // lives — the relevance rows live to the end of the explanation. The consumer's work is never differentiated.
            // Even the detached views are made where the consumer runs: every handle allocated counts (ReductionThread).
            runConsumer(() =>
            {
                using var noGrad = torch.no_grad();
                using var scope = NewDisposeScope();
                consumer.Layer(layer, pass.Attentions[layer][..1].detach(), gradient.detach());
            });
            reduction.Stop();
        }, retain);
        reduction.Start();
        runConsumer(() =>
        {
            using var noGrad = torch.no_grad();
            consumer.EndChunk();
        });
        reduction.Stop();
    }

    /// <summary>
    /// Where the consumer runs: on the CPU, on the <see cref="ReductionThread"/>, so that its allocations do not split
    /// the blocks the backward reuses (the reason is there); on an accelerator, where tensor memory comes from the
    /// device's caching allocator, in the backward's own thread.
    /// </summary>
    private static Action<Action> ConsumerRunner(Device device) =>
        device.type == DeviceType.CPU ? ReductionThread.Shared.Run : static work => work();

    /// <summary>z_t (or log p_t) for tokens first … first+count−1; in a batched pass token first + b is read from batch row b.</summary>
    private static Tensor Scores(TeacherForcedPass pass, ExplanationSubject s, int first, int count, bool batched, GradientTarget target)
    {
        var rows = batched ? torch.arange(count) : torch.zeros(count, dtype: int64);
        var tokens = torch.arange(first, first + count);
        var y = torch.tensor(s.AnswerIds[first..(first + count)]);
        var logits = pass.Logits.index([rows, tokens]);                                          // [count, vocab]
        if (target == GradientTarget.LogProbability) logits = logits.log_softmax(-1);
        return logits.gather(1, y.unsqueeze(1)).squeeze(1);
    }

    private static void ReadProbabilities(TeacherForcedPass pass, ExplanationSubject s, double[] into)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var logits = pass.Logits[0];                                                               // [T, vocab]: rows are q_t
        var p = logits.to(float64).softmax(-1).gather(1, torch.tensor(s.AnswerIds).unsqueeze(1)).squeeze(1);
        p.data<double>().CopyTo(into);
    }

    /// <summary>Tokens per batched chunk so that the chunk fits the budget.</summary>
    /// <param name="bytesPerToken">what one batch row costs (see <see cref="BytesPerBatchRow"/>)</param>
    public static int ChunkFor(long budgetBytes, long bytesPerToken, int tokens) =>
        (int)Math.Clamp(budgetBytes / Math.Max(1, bytesPerToken), 1, Math.Max(1, tokens));

    /// <summary>
    /// Estimated memory of one batch row of the explain-mode graph: per layer the attention scores, probabilities and
    /// softmax output kept for backward (3·H·N²) and the activations of the projections and MLP (≈ 12·N·D); plus the
    /// consumer's state, <paramref name="keptLayers"/>·N² reduced entries and one layer's gradient and G (2·H·N²).
    /// </summary>
    public static long BytesPerBatchRow(ExplanationSubject subject, int keptLayers)
    {
        var c = subject.Model.Config.Text;
        long n = subject.SequenceIds.Length;
        long elementSize = subject.Model.DType is ScalarType.Float64 ? 8 : 4;
        long graph = c.NumLayers * (3L * c.NumHeads * n * n + 12L * n * c.HiddenSize);
        long consumer = keptLayers * n * n + 2L * c.NumHeads * n * n;
        return elementSize * (graph + consumer);
    }
}
