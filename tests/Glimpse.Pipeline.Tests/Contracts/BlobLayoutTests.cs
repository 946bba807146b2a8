using Glimpse.Core.Contracts;

namespace Glimpse.Pipeline.Tests.Contracts;

public sealed class BlobLayoutTests
{
    [Fact]
    public void Names_follow_the_documented_layout()
    {
        Assert.Equal("jobs/job-1/job.json", BlobLayout.ManifestBlob("job-1"));
        Assert.Equal("jobs/job-1/input/photo.jpg", BlobLayout.ImageBlob("job-1", "input/photo.jpg"));
        Assert.Equal("job-1/status.json", BlobLayout.StatusBlob("job-1"));
        Assert.Equal("job-1/failure.json", BlobLayout.FailureBlob("job-1"));
        Assert.Equal(new ResultFiles("job-1/result.json", "job-1/overlay.png", "job-1/heatmap.png", "job-1/report.html"), BlobLayout.ResultBlobs("job-1"));
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("job-2024-01-01-0001", true)]
    [InlineData("0abc", true)]
    [InlineData("-abc", false)]
    [InlineData("Job", false)]
    [InlineData("job_1", false)]
    [InlineData("job.1", false)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    public void Job_ids_are_lower_case_letters_digits_and_hyphens(string jobId, bool valid)
    {
        Assert.Equal(valid, BlobLayout.IsValidJobId(jobId));
    }

    [Fact]
    public void Job_ids_have_at_most_63_characters()
    {
        Assert.True(BlobLayout.IsValidJobId("a" + new string('b', 62)));
        Assert.False(BlobLayout.IsValidJobId("a" + new string('b', 63)));
    }

    [Theory]
    [InlineData("jobs/job-1/job.json", "job-1")]
    [InlineData("jobs/job-1/image.png", null)]
    [InlineData("jobs/job-1/sub/job.json", null)]
    [InlineData("jobs/Job-1/job.json", null)]
    [InlineData("jobs//job.json", null)]
    [InlineData("other/job-1/job.json", null)]
    [InlineData("glimpse-jobs/jobs/job-1/job.json", null)]
    public void Only_manifest_names_give_a_job_id(string blobName, string? jobId) =>
        Assert.Equal(jobId, BlobLayout.JobIdOfManifest(blobName));

    [Fact]
    public void A_bad_job_id_cannot_make_a_name() =>
        Assert.Throws<ArgumentException>(() => BlobLayout.ManifestBlob("../x"));
}
