using Glimpse.Core.Methods;
using Glimpse.Model.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Tests;

/// <summary>
/// Where and in what order the sweep hands gradients to its consumer. On the CPU the consumer runs on one reduction
/// thread of its own (its allocations must not split the blocks the backward reuses; issue 13), so these check that it
/// does, that the calls still come in backward order, and that a consumer's failure still reaches the caller.
/// </summary>
public class GradientSweepTests(LlavaFixture fx) : IClassFixture<LlavaFixture>
{
    [Theory]
    [InlineData(SweepMode.PerToken, 1)]
    [InlineData(SweepMode.Batched, 3)]
    [InlineData(SweepMode.Summed, 1)]
    public void OnTheCpuEveryConsumerCallRunsInOrderOnOneThreadThatIsNotTheCallers(SweepMode mode, int chunkSize)
    {
        var subject = SubjectFactory.Llava(fx);
        int layers = subject.Model.Config.Text.NumLayers, tokens = subject.AnswerLength;
        var consumer = new Recorder();

        GradientSweep.Run(subject, consumer, mode, chunkSize, GradientTarget.Logit, progress: null, CancellationToken.None);

        int chunks = mode switch
        {
            SweepMode.PerToken => tokens,
            SweepMode.Batched => (tokens + chunkSize - 1) / chunkSize,
            _ => 1,
        };
        var expected = Enumerable.Range(0, chunks)
            .SelectMany(_ => Enumerable.Range(0, layers).Reverse().Select(l => $"layer {l}").Append("end"));
        Assert.Equal(expected, consumer.Calls.Select(c => c.What));
        int thread = Assert.Single(consumer.Calls.Select(c => c.Thread).Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, thread);
        // The gradients arrive intact on the other thread: one row per token of the chunk, finite, not all zero.
        Assert.All(consumer.Calls.Where(c => c.What != "end"), c => Assert.True(c.GradientAbsSum > 0 && double.IsFinite(c.GradientAbsSum)));
    }

    [Fact]
    public void AConsumersFailureReachesTheCallerAndTheNextSweepStillRuns()
    {
        var subject = SubjectFactory.Llava(fx);
        var failing = new Recorder { FailAtLayerCall = 2 };
        var e = Assert.Throws<InvalidDataException>(() =>
            GradientSweep.Run(subject, failing, SweepMode.PerToken, 1, GradientTarget.Logit, progress: null, CancellationToken.None));
        Assert.Equal("layer call 2", e.Message);

        var failingAtEnd = new Recorder { FailAtEnd = true };
        Assert.Throws<InvalidDataException>(() =>
            GradientSweep.Run(subject, failingAtEnd, SweepMode.PerToken, 1, GradientTarget.Logit, progress: null, CancellationToken.None));

        var next = new Recorder();
        GradientSweep.Run(subject, next, SweepMode.PerToken, 1, GradientTarget.Logit, progress: null, CancellationToken.None);
        Assert.Equal(subject.AnswerLength * (subject.Model.Config.Text.NumLayers + 1), next.Calls.Count);
    }

    [Fact]
    public void TheConsumerRunsWithTheCallersNumberOfIntraOpThreads()
    {
        var subject = SubjectFactory.Llava(fx);
        int before = torch.get_num_threads(), asked = before == 1 ? 2 : 1;
        var consumer = new Recorder();
        try
        {
            torch.set_num_threads(asked);
            GradientSweep.Run(subject, consumer, SweepMode.PerToken, 1, GradientTarget.Logit, progress: null, CancellationToken.None);
        }
        finally
        {
            torch.set_num_threads(before);
        }
        Assert.All(consumer.Calls, c => Assert.Equal(asked, c.IntraOpThreads));
    }

    private sealed class Recorder : IGradientConsumer
    {
        public List<(string What, int Thread, double GradientAbsSum, int IntraOpThreads)> Calls { get; } = [];
        public int FailAtLayerCall { get; init; } = -1;
        public bool FailAtEnd { get; init; }
        private int _layerCalls;

        public void BeginChunk(int first, int count) { }

        public void Layer(int layer, Tensor attention, Tensor gradient)
        {
            if (_layerCalls++ == FailAtLayerCall) throw new InvalidDataException($"layer call {FailAtLayerCall}");
            Assert.False(torch.is_grad_enabled());
            Calls.Add(($"layer {layer}", Environment.CurrentManagedThreadId, gradient.abs().sum().item<float>(), torch.get_num_threads()));
        }

        public void EndChunk()
        {
            if (FailAtEnd) throw new InvalidDataException("end");
            Calls.Add(("end", Environment.CurrentManagedThreadId, 0, torch.get_num_threads()));
        }
    }
}
