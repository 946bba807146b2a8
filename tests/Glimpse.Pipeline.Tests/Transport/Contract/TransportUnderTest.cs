using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Transport;

namespace Glimpse.Pipeline.Tests.Transport.Contract;

/// <summary>
/// What each transport promises beyond the shared contract; the contract's tests check each promise both ways, so a
/// transport that stops keeping one (or starts keeping one it does not declare) fails.
/// </summary>
/// <param name="BrokerEnforcesMaxDeliveryCount">
/// The broker itself dead-letters a message delivered MaxDeliveryCount times (Service Bus). Without it (Storage
/// Queues) the message keeps coming back with its delivery count past the limit, and the JobProcessor gives up on it.
/// </param>
/// <param name="DropsDuplicateMessageIds">
/// A second send with the same message id within the detection window is dropped (Service Bus duplicate detection).
/// Without it (Storage Queues) both arrive with the same id: ingest sends once per job (its status record), and the
/// worker is idempotent per job id for the rare duplicate.
/// </param>
public sealed record TransportGuarantees(bool BrokerEnforcesMaxDeliveryCount, bool DropsDuplicateMessageIds);

/// <summary>The lock and retry settings a contract test asks the transport's queue for.</summary>
public sealed record ContractSettings(TimeSpan LockDuration, int MaxDeliveryCount);

/// <summary>A dead-lettered message as the transport's dead-letter queue (Service Bus DLQ, Storage poison queue) shows it.</summary>
public sealed record DeadLetteredWork(string MessageId, string Reason, string Description);

/// <summary>A completion event as a subscriber receives it.</summary>
public sealed record ReceivedCompletion(string MessageId, CompletionEvent Completion);

/// <summary>One transport with queues of its own for one test, seen through the pipeline's interfaces plus what the test inspects.</summary>
public interface ITransportUnderTest : IAsyncDisposable
{
    TransportGuarantees Guarantees { get; }
    IWorkQueue WorkQueue { get; }
    IWorkReceiver Receiver { get; }
    IEventPublisher Events { get; }

    /// <summary>Messages still in the work queue, locked or not.</summary>
    Task<int> CountWorkAsync();

    Task<IReadOnlyList<DeadLetteredWork>> DeadLettersAsync();

    /// <summary>The completion events a subscriber receives now (each once).</summary>
    Task<IReadOnlyList<ReceivedCompletion>> ReceiveCompletionsAsync();
}
