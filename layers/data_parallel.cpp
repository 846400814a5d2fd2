#include "layers/data_parallel.hpp"

namespace tapegrad::detail {

WorkerPool::WorkerPool(std::size_t threads) : errors_(std::max<std::size_t>(threads, 1)) {
  for (std::size_t k = 1; k < threads; ++k) workers_.emplace_back([this, k] { work(k); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  start_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void WorkerPool::run(const std::function<void(std::size_t)>& job) {
  {
    std::lock_guard lock(mutex_);
    job_ = &job;
    running_ = workers_.size();
    ++generation_;
    for (auto& error : errors_) error = nullptr;
  }
  start_.notify_all();
  try {
    job(0);
  } catch (...) {
    errors_[0] = std::current_exception();
  }
  std::unique_lock lock(mutex_);
  finished_.wait(lock, [this] { return running_ == 0; });
  job_ = nullptr;
  for (const auto& error : errors_)
    if (error) std::rethrow_exception(error);
}

void WorkerPool::work(std::size_t k) {
  std::size_t seen = 0;
  for (;;) {
    const std::function<void(std::size_t)>* job;
    {
      std::unique_lock lock(mutex_);
      start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      job = job_;
    }
    std::exception_ptr error;
    try {
      (*job)(k);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    errors_[k] = error;
    if (--running_ == 0) finished_.notify_one();
  }
}

}  // namespace tapegrad::detail
