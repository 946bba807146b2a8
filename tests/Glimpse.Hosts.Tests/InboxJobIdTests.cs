using Azure;
using Glimpse.Core.Contracts;
using Glimpse.Pipeline.Handlers;

namespace Glimpse.Hosts.Tests;

/// <summary>The inbox shortcut's job ids: always valid job ids, the same for the same upload, new for a new upload.</summary>
public sealed class InboxJobIdTests
{
    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>
        {
            "inbox/Red Ball.PNG", "inbox/" + new string('x', 500) + ".png", "inbox/ünïcödé ☃.jpg", "inbox/---.png", "inbox/a/b/c.d.e", "inbox/.png",
        };
        // Random names over printable ASCII and Latin/Greek letters, from a fixed seed so a failure repeats.
        var random = new Random(20261128);
        for (int i = 0; i < 200; i++)
            names.Add("inbox/" + new string(Enumerable.Range(0, random.Next(1, 120)).Select(_ => (char)random.Next(0x20, 0x3FF)).ToArray()));
        return names;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Any_inbox_name_gives_a_valid_job_id_fixed_by_name_and_version(string blobName)
    {
        var version = new ETag("\"0x8DC1\"");

        string jobId = InboxHandler.JobIdFor(blobName, version);

        Assert.True(BlobLayout.IsValidJobId(jobId), jobId);
        Assert.Equal(jobId, InboxHandler.JobIdFor(blobName, version));
        Assert.NotEqual(jobId, InboxHandler.JobIdFor(blobName, new ETag("\"0x8DC2\"")));
    }

    [Fact]
    public void The_job_id_keeps_a_readable_part_of_the_file_name()
    {
        Assert.StartsWith("inbox-red-ball-", InboxHandler.JobIdFor("inbox/Red Ball.PNG", new ETag("\"1\"")));
    }
}
